package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

func TestMaintenanceRoutes(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	src := uptime.NewSource(rdb, uptime.SourceOptions{Prefix: prefix, Now: func() time.Time { return now }})
	srv := httptest.NewServer(New(Options{Uptime: &Uptime{Source: src, Maintenance: src}, Now: func() time.Time { return now }}))
	t.Cleanup(srv.Close)
	post := func(body string) (int, uptime.Planned) {
		t.Helper()
		res, err := http.Post(srv.URL+"/api/v1/maintenance", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var p uptime.Planned
		_ = json.NewDecoder(res.Body).Decode(&p)
		return res.StatusCode, p
	}
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"camera window", `{"camera":"c1","start":"2025-06-01T13:00:00Z","end":"2025-06-01T14:00:00Z","note":"lens"}`, http.StatusCreated},
		{"program window from now", `{"program":"p","end":"2025-06-01T13:00:00Z"}`, http.StatusCreated},
		{"neither camera nor program", `{"end":"2025-06-01T13:00:00Z"}`, http.StatusBadRequest},
		{"ends before it starts", `{"camera":"c1","start":"2025-06-01T13:00:00Z","end":"2025-06-01T12:00:00Z"}`, http.StatusBadRequest},
		{"unknown field", `{"camera":"c1","end":"2025-06-01T13:00:00Z","id":"x"}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _ := post(tc.body); code != tc.want {
				t.Errorf("status = %d, want %d", code, tc.want)
			}
		})
	}
	list, _, err := src.Maintenance(context.Background())
	if err != nil || len(list) != 2 || !list[0].Start.Equal(now) || list[1].Note != "lens" {
		t.Fatalf("recorded = %+v, %v", list, err)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/maintenance/"+list[0].ID, nil)
	for _, want := range []int{http.StatusNoContent, http.StatusNotFound} {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("delete: status = %d, want %d", res.StatusCode, want)
		}
	}
	code, _, body := fetch(t, srv, "/api/v1/maintenance")
	if code != http.StatusOK || !strings.Contains(body, `"note":"lens"`) || strings.Contains(body, `"program":"p"`) {
		t.Errorf("list = %d %s", code, body)
	}
}

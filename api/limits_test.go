package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
)

// TestLimits: live feeds per user, silences and maintenance windows per
// target, and /metrics behind its own token.
func TestLimits(t *testing.T) {
	w := newWorld(t)
	o := w.opts
	o.Access = Access{SSEPerUser: 2, SSETotal: 3, MaxSilencesPerScope: 2, MaxMaintenancePerScope: 1, MetricsToken: "metrics-secret",
		PublicURL: nil}
	o.Metrics = http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "camwatch_up 1\n") })
	srv := httptest.NewServer(New(o))
	t.Cleanup(srv.Close)
	open := func(token string) (int, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/alerts/stream", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		return resp.StatusCode, func() { cancel(); resp.Body.Close() }
	}
	send := func(method, path, token, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("live feeds per user and in total", func(t *testing.T) {
		op, adm := w.tokens[auth.Operator], w.tokens[auth.Admin]
		var closers []func()
		defer func() {
			for _, c := range closers {
				c()
			}
		}()
		for i, want := range []int{200, 200, 429} {
			code, c := open(op)
			closers = append(closers, c)
			if code != want {
				t.Errorf("operator feed %d: %d, want %d", i+1, code, want)
			}
		}
		for i, want := range []int{200, 429} { // the total (3) is reached
			code, c := open(adm)
			closers = append(closers, c)
			if code != want {
				t.Errorf("admin feed %d: %d, want %d", i+1, code, want)
			}
		}
	})
	t.Run("silences per target", func(t *testing.T) {
		// The world has one pa silence already; the cap is 2.
		body := `{"program":"pa","end":"` + future() + `"}`
		for i, want := range []int{201, 429} {
			if code := send("POST", "/api/v1/silences", w.tokens[auth.Technician], body); code != want {
				t.Errorf("silence %d: %d, want %d", i+1, code, want)
			}
		}
		other := `{"camera":"pa-3","end":"` + future() + `"}` // another target
		if code := send("POST", "/api/v1/silences", w.tokens[auth.Technician], other); code != 201 {
			t.Errorf("silence on another target: %d", code)
		}
	})
	t.Run("maintenance per target", func(t *testing.T) {
		body := `{"program":"pa","end":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `","note":"cap"}`
		if code := send("POST", "/api/v1/maintenance", w.tokens[auth.Technician], body); code != 429 {
			t.Errorf("maintenance over the cap: %d, want 429", code)
		}
	})
	t.Run("metrics behind its own token", func(t *testing.T) {
		for _, tc := range []struct {
			name, token string
			want        int
		}{{"the metrics token", "metrics-secret", 200}, {"an admin's token", w.tokens[auth.Admin], 404}, {"none", "", 404}} {
			req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
		}
	})
}

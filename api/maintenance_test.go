package api

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

func TestMaintenanceRoutes(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	src := uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{Now: func() time.Time { return now }})
	srv := httptest.NewServer(newAPI(Options{Uptime: &Uptime{Source: src, Maintenance: src}, Now: func() time.Time { return now }}))
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
		{"program window from now", `{"program":"p","end":"2025-06-01T13:00:00Z","note":"pole"}`, http.StatusCreated},
		{"without a reason", `{"program":"p","end":"2025-06-01T13:00:00Z"}`, http.StatusForbidden},
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

// TestMaintenanceMutesAlertsAndLeavesTheReport runs a real alerts runner
// behind the maintenance routes: a window POSTed for program p1 mutes the
// offline alert of cam-1 (its firing records maintenance:<id>) and the
// same window is excluded from the uptime report; once DELETEd, the next
// outage notifies again.
func TestMaintenanceMutesAlertsAndLeavesTheReport(t *testing.T) {
	e := newAlertsServer(t)
	ctx := context.Background()
	rdb, prefix := testenv.Redis(t)
	start := time.Now().Truncate(time.Second)
	src := uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{})
	srv := httptest.NewServer(newAPI(Options{Alerts: e.r, MaintenanceAlerts: e.r, Uptime: &Uptime{Source: src, Maintenance: src}}))
	t.Cleanup(srv.Close)
	e.srv = srv
	// cam-1 was online for an hour, then went offline 30 minutes ago
	// (the uptime record the ingester would have written).
	h := &uptime.History{Cameras: []uptime.Camera{{ID: "cam-1", Agent: "edge-1", Labels: event.Labels{Program: "p1"},
		Transitions: []uptime.Transition{
			{Time: start.Add(-90 * time.Minute), Seq: 1, State: uptime.Online},
			{Time: start.Add(-30 * time.Minute), Seq: 2, State: uptime.Offline, Reason: "refused"},
		}}}}
	if err := uptime.Write(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), "q1", start, h); err != nil {
		t.Fatal(err)
	}
	var p uptime.Planned
	body := fmt.Sprintf(`{"program":"p1","start":%q,"end":%q,"note":"new cable"}`,
		start.Add(-30*time.Minute).Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
	if code, out := e.do("POST", "/api/v1/maintenance", body, &p); code != http.StatusCreated {
		t.Fatalf("post maintenance: %d %s", code, out)
	}
	// Retrying the same window id at the engine does not stack a second one.
	if _, err := e.r.AddMaintenance(ctx, alerts.Maintenance{ID: p.ID, Program: "p1", Start: p.Start, End: p.End}); err != nil {
		t.Fatal(err)
	}

	e.health("cam-1", event.StatusOffline)
	firing := waitFiring(t, e.r, "cam-1", 1)
	if firing[0].Suppressed != "maintenance:"+p.ID || len(firing[0].Notify) != 0 {
		t.Fatalf("firing in maintenance: suppressed %q notify %v, want maintenance:%s and nobody", firing[0].Suppressed, firing[0].Notify, p.ID)
	}
	st, err := e.r.Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Engine.Maintenance); n != 1 || st.Engine.Maintenance[0].ID != p.ID {
		t.Errorf("engine maintenance %+v, want only window %s", st.Engine.Maintenance, p.ID)
	}

	// The report: 90 min monitored, 30 min of it in maintenance (not an
	// outage), so 60 min online over 60 min rated = 100 %.
	var sum uptime.Summary
	path := fmt.Sprintf("/api/v1/uptime?group=program&from=%s&to=%s", url.QueryEscape(start.Add(-90*time.Minute).Format(time.RFC3339)), url.QueryEscape(start.Format(time.RFC3339)))
	if code, out := e.do("GET", path, "", &sum); code != http.StatusOK {
		t.Fatalf("uptime: %d %s", code, out)
	}
	g := sum.All
	if g.MaintenanceS != 1800 || g.OfflineS != 0 || g.Outages != 0 || g.UptimePercent != 100 {
		t.Errorf("report: maintenance %vs offline %vs outages %d uptime %v%%, want 1800, 0, 0, 100",
			g.MaintenanceS, g.OfflineS, g.Outages, g.UptimePercent)
	}

	if code, out := e.do("DELETE", "/api/v1/maintenance/"+p.ID, "", nil); code != http.StatusNoContent {
		t.Fatalf("delete maintenance: %d %s", code, out)
	}
	e.health("cam-1", event.StatusOnline)
	waitResolved(t, e.r, "cam-1")
	e.health("cam-1", event.StatusOffline)
	firing = waitFiring(t, e.r, "cam-1", 2)
	if firing[1].Suppressed != "" || !slices.Equal(firing[1].Notify, []string{"ops"}) {
		t.Fatalf("firing after the window was deleted: suppressed %q notify %v, want ops told", firing[1].Suppressed, firing[1].Notify)
	}
}

// waitFiring waits for n firing transitions of cam in the alert history.
func waitFiring(t *testing.T, r *alerts.Runner, cam string, n int) []alerts.Transition {
	t.Helper()
	var out []alerts.Transition
	testenv.Eventually(t, 10*time.Second, func() error {
		out = historyOf(t, r, cam, alerts.TransitionFiring)
		if len(out) != n {
			return fmt.Errorf("%d firings of %s, want %d", len(out), cam, n)
		}
		return nil
	})
	return out
}

func waitResolved(t *testing.T, r *alerts.Runner, cam string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		if len(historyOf(t, r, cam, alerts.TransitionResolved)) == 0 {
			return fmt.Errorf("%s not resolved", cam)
		}
		return nil
	})
}

func historyOf(t *testing.T, r *alerts.Runner, cam string, kind alerts.TransitionKind) []alerts.Transition {
	t.Helper()
	trs, err := r.Store().History(context.Background(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []alerts.Transition
	for _, tr := range trs {
		if tr.Kind == kind && tr.Alert.Camera == cam {
			out = append(out, tr)
		}
	}
	return out
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

func TestScorecardWithoutAlerts(t *testing.T) {
	srv := uptimeServer(t, &Uptime{Targets: map[string]float64{"p1": 99}, DefaultTarget: 95})
	code, _, body := fetch(t, srv, "/api/v1/uptime/scorecard?program=p1&window=24h&tz=UTC")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	var sc uptime.Scorecard
	if err := json.Unmarshal([]byte(body), &sc); err != nil {
		t.Fatal(err)
	}
	// p1: cam-a 22 h + cam-b 24 h online of 48 h = 95.833 %, below 99 %.
	if sc.Program != "p1" || sc.Cameras != 2 || math.Abs(sc.UptimePercent-100*46.0/48) > 1e-9 || !sc.Missed ||
		sc.Outages != 1 || sc.LongestOutageS != 7200 || len(sc.Worst) != 1 || sc.Worst[0].ID != "cam-a" {
		t.Errorf("scorecard %+v", sc)
	}
	if sc.AlertsEnabled || sc.Alerts != nil || strings.Contains(body, `"alerts":`) || !strings.Contains(body, `"alerts_enabled":false`) {
		t.Errorf("alerts are off but the card says %s", body)
	}
}

func TestScorecardBadRequests(t *testing.T) {
	srv := uptimeServer(t, &Uptime{})
	for _, tc := range []struct {
		name, query, param string
		want               int
	}{
		{"no program", "window=24h", "program:", http.StatusBadRequest},
		{"bad window", "program=p1&window=2d", "window:", http.StatusBadRequest},
		{"bad from", "program=p1&from=yesterday", "from:", http.StatusBadRequest},
		{"window and from", "program=p1&window=24h&from=2025-05-30", "window:", http.StatusBadRequest},
		{"csv", "program=p1&format=csv", "format:", http.StatusBadRequest},
		{"group", "program=p1&group=ward", "group:", http.StatusBadRequest},
		{"unknown program", "program=nope&window=24h", "program:", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := fetch(t, srv, "/api/v1/uptime/scorecard?"+tc.query)
			if code != tc.want || !strings.Contains(body, tc.param) {
				t.Errorf("status %d %s, want %d naming %q", code, body, tc.want, tc.param)
			}
		})
	}
}

// TestScorecardCountsAlertsHandled runs a real alerts runner: cam-1 of p1
// goes offline, someone acknowledges, it comes back (resolved by its
// condition); the scorecard counts one offline alert,
// acknowledged, resolved automatically, with a measured median.
func TestScorecardCountsAlertsHandled(t *testing.T) {
	e := newAlertsServer(t)
	ctx := context.Background()
	rdb, prefix := testenv.Redis(t)
	start := time.Now().Truncate(time.Second)
	h := &uptime.History{Cameras: []uptime.Camera{{ID: "cam-1", Agent: "edge-1", Labels: event.Labels{Program: "p1"},
		Transitions: []uptime.Transition{{Time: start.Add(-time.Hour), Seq: 1, State: uptime.Online}}}}}
	if err := uptime.Write(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), "q1", start, h); err != nil {
		t.Fatal(err)
	}
	src := uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{})
	srv := httptest.NewServer(newAPI(Options{Alerts: e.r, AlertHistory: e.r.Store(), Uptime: &Uptime{Source: src}}))
	t.Cleanup(srv.Close)
	e.srv = srv

	e.health("cam-1", event.StatusOffline)
	open := e.waitOpen(1)
	if code, body := e.do("POST", "/api/v1/alerts/"+url.PathEscape(open[0].Key)+"/ack", `{}`, nil); code != http.StatusOK {
		t.Fatalf("ack: %d %s", code, body)
	}
	e.health("cam-1", event.StatusOnline)
	waitResolved(t, e.r, "cam-1")

	var sc uptime.Scorecard
	testenv.Eventually(t, 5*time.Second, func() error {
		sc = uptime.Scorecard{}
		if code, body := e.do("GET", "/api/v1/uptime/scorecard?program=p1&window=24h", "", &sc); code != http.StatusOK {
			return fmt.Errorf("status %d %s", code, body)
		}
		return nil
	})
	a := sc.Alerts
	if !sc.AlertsEnabled || a == nil {
		t.Fatalf("alerts part missing: %+v", sc)
	}
	if a.Fired != 1 || a.ByRule["cam-offline"] != 1 || a.Acknowledged != 1 || a.ResolvedAutomatically != 1 ||
		a.ResolvedByHand != 0 || a.Open != 0 || a.MedianAckS == nil || *a.MedianAckS < 0 || *a.MedianAckS > 30 {
		t.Errorf("alerts handled %+v", a)
	}
	var hist []alerts.Transition
	hist = historyOf(t, e.r, "cam-1", alerts.TransitionAcknowledged)
	if len(hist) != 1 {
		t.Errorf("%d acknowledgements in the history, want 1", len(hist))
	}
}

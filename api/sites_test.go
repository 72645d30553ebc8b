package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// TestTwoSitesSameCameraIDRoutes: q1 and q3 both have a cam-01 (and q1
// alone a cam-02). Every route that names a camera keeps them apart: by
// reference, or by a bare id when one site in the caller's scope has it;
// a bare id two visible sites have is 409 naming them.
func TestTwoSitesSameCameraIDRoutes(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	at := time.Now().Add(-time.Minute)
	store := camstate.New(rdb, camstate.Options{Prefix: prefix})
	mk := func(site, cam, program string, status event.Status) []*event.Event {
		h := ev(event.KindHealth, cam, 1, at)
		h.Site, h.Agent, h.Labels.Program, h.Health.Status = site, "edge-"+site, program, status
		hb := ev(event.KindHeartbeat, "", 1, time.Now())
		hb.Site, hb.Agent = site, "edge-"+site
		return []*event.Event{h, hb}
	}
	var evs []*event.Event
	evs = append(evs, mk("q1", "cam-01", "p-q1", event.StatusOnline)...)
	evs = append(evs, mk("q3", "cam-01", "p-q3", event.StatusOffline)...)
	evs = append(evs, mk("q1", "cam-02", "p-q1", event.StatusOnline)[0])
	if _, err := store.Apply(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	src := uptime.NewSource(store, uptime.SourceOptions{})
	q1op := &auth.Actor{Kind: auth.KindToken, Name: "q1-op", Role: auth.Technician, Scope: auth.Scope{Programs: []string{"p-q1"}}}
	alertsEnv := newAlertsServer(t)
	srv := httptest.NewServer(newAPI(Options{Store: timeline(t, store, evs), Uptime: &Uptime{Source: src, Maintenance: src}, Alerts: alertsEnv.r,
		Auth: fakeAuth{actors: map[string]*auth.Actor{"admin": testAdmin, "q1-op": q1op}}}))
	t.Cleanup(srv.Close)
	window := "&from=" + at.Add(-time.Hour).UTC().Format(time.RFC3339) + "&to=" + time.Now().UTC().Format(time.RFC3339)
	end := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name, as, method, path, body string
		code                         int
		want                         string // in the answer
	}{
		{"a site-scoped path", "admin", "GET", "/api/v1/sites/q3/cameras/cam-01", "", 200, `"ref":"q3/cam-01"`},
		{"the other site's", "admin", "GET", "/api/v1/sites/q1/cameras/cam-01", "", 200, `"status":"online"`},
		{"a site without that camera", "admin", "GET", "/api/v1/sites/q2/cameras/cam-01", "", 404, "not found"},
		{"a bad site", "admin", "GET", "/api/v1/sites/q.2/cameras/cam-01", "", 400, "site"},
		{"a bare id two sites have", "admin", "GET", "/api/v1/cameras/cam-01", "", 409, "several sites (q1, q3)"},
		{"a bare id one site has", "admin", "GET", "/api/v1/cameras/cam-02", "", 200, `"ref":"q1/cam-02"`},
		{"events by a bare id two sites have", "admin", "GET", "/api/v1/cameras/cam-01/events", "", 409, "q1, q3"},
		{"events by reference", "admin", "GET", "/api/v1/sites/q3/cameras/cam-01/events?from=" + at.Add(-time.Hour).UTC().Format(time.RFC3339), "", 200, `"site":"q3"`},
		{"the bare id, for a caller who sees one site", "q1-op", "GET", "/api/v1/cameras/cam-01", "", 200, `"ref":"q1/cam-01"`},
		{"the other site's camera, out of scope", "q1-op", "GET", "/api/v1/sites/q3/cameras/cam-01", "", 404, "not found"},
		{"uptime of a bare id two sites have", "admin", "GET", "/api/v1/uptime?camera=cam-01" + window, "", 409, "q1, q3"},
		{"uptime by reference", "admin", "GET", "/api/v1/uptime?camera=q3/cam-01&group=camera" + window, "", 200, `"key":"q3/cam-01"`},
		{"uptime by a malformed reference", "admin", "GET", "/api/v1/uptime?camera=q3/cam-01/x" + window, "", 400, "camera"},
		{"maintenance on a bare id two sites have", "admin", "POST", "/api/v1/maintenance", `{"camera":"cam-01","end":"` + end + `","note":"cable"}`, 409, "q1, q3"},
		{"maintenance by reference", "admin", "POST", "/api/v1/maintenance", `{"camera":"q3/cam-01","end":"` + end + `","note":"cable"}`, 201, `"site":"q3"`},
		{"maintenance by site and id", "admin", "POST", "/api/v1/maintenance", `{"site":"q1","camera":"cam-01","end":"` + end + `","note":"cable"}`, 201, `"site":"q1"`},
		{"maintenance with a site the reference contradicts", "admin", "POST", "/api/v1/maintenance", `{"site":"q1","camera":"q3/cam-01","end":"` + end + `","note":"cable"}`, 400, "disagrees"},
		{"maintenance by a bare id, for a caller who sees one site", "q1-op", "POST", "/api/v1/maintenance", `{"camera":"cam-01","end":"` + end + `","note":"cable"}`, 201, `"site":"q1"`},
		{"a silence on a bare id two sites have", "admin", "POST", "/api/v1/silences", `{"camera":"cam-01","end":"` + end + `","comment":"x"}`, 409, "q1, q3"},
		{"a silence by reference", "admin", "POST", "/api/v1/silences", `{"camera":"q3/cam-01","end":"` + end + `","comment":"x"}`, 201, `"site":"q3"`},
		{"a silence by a malformed reference", "admin", "POST", "/api/v1/silences", `{"camera":"q3/cam/01","end":"` + end + `","comment":"x"}`, 400, "camera"},
		{"a silence by a bare id, for a caller who sees one site", "q1-op", "POST", "/api/v1/silences", `{"camera":"cam-01","end":"` + end + `","comment":"x"}`, 201, `"site":"q1"`},
		{"alerts of one site's camera", "admin", "GET", "/api/v1/alerts?camera=q3/cam-01", "", 200, `"alerts":[]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tc.as)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%s %s: %d %s, want %d with %q", tc.method, tc.path, resp.StatusCode, b, tc.code, tc.want)
			}
		})
	}
	// The maintenance window on q3's cam-01 is q3's only: q1's cam-01
	// keeps its report.
	var list struct{ Maintenance []uptime.Planned }
	if code := get(t, srv, "/api/v1/maintenance", &list); code != 200 {
		t.Fatal(code)
	}
	sites := map[string]int{}
	for _, p := range list.Maintenance {
		sites[p.Site+"/"+p.Camera]++
	}
	if sites["q3/cam-01"] != 1 || sites["q1/cam-01"] != 2 || len(sites) != 2 {
		b, _ := json.Marshal(list)
		t.Errorf("maintenance windows by camera %v: %s", sites, b)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/chromedp/chromedp"
)

// TestTwoSitesSameCameraID is the bad input "two sites with the same
// camera id": sites q1 and q3 both have a cam-01, each watched by its own
// edge agent with its own NATS credentials (authorization on), through
// the built binaries and the real Redis. q1's cam-01 streams from simcam
// (online); q3's points at a closed port (offline, refused). The API, the
// uptime report, the alerts and the console keep them apart end to end;
// a bare "cam-01" answers 409 naming both sites, or resolves for a caller
// who sees one of them.
func TestTwoSitesSameCameraID(t *testing.T) {
	nenv := testenv.NATSAuth(t, natsauth.Agent{Site: "q1", Agent: "edge-q1"}, natsauth.Agent{Site: "q3", Agent: "edge-q3"})
	rc, prefix := testenv.Redis(t)
	rc.Close()
	s := &system{t: t, dir: t.TempDir(), redisURL: testenv.RedisURL(), prefix: prefix, env: []string{"CAM_PASSWORD=" + plantedPassword}}
	t.Cleanup(func() {
		if t.Failed() {
			s.dumpLogs()
		}
	})
	simPort, closedPort := freePort(t), freePort(t)
	simcamCfg := writeFile(t, s.dir, "simcam.yaml", fmt.Sprintf(`listen: 127.0.0.1:0
username: admin
password_env: CAM_PASSWORD
cameras:
  - {id: sim-q1, clip: static-320x240, port: %d}
`, simPort))
	edge := func(site, agent, camURL, program string) string {
		return writeFile(t, s.dir, "edge-"+site+".yaml", fmt.Sprintf(`site: %s
agent: %s
nats: {url: %q, creds_file: %q}
spool_dir: %q
metrics_listen: 127.0.0.1:%d
timing: {heartbeat_interval: 1s, stats_interval: 1s, stall_timeout: 2s, backoff: [200ms, 500ms, 1s]}
cameras:
  - id: cam-01
    url: %s
    password_env: CAM_PASSWORD
    labels: {program: %s, ward: ben-nghe, vendor: simcam}
`, site, agent, nenv.URL, nenv.Auth.AgentCreds[site+"/"+agent], s.dir+"/spool-"+site, freePort(t), camURL, program))
	}
	edgeQ1 := edge("q1", "edge-q1", fmt.Sprintf("rtsp://admin@127.0.0.1:%d/sim-q1", simPort), "program-q1")
	edgeQ3 := edge("q3", "edge-q3", fmt.Sprintf("rtsp://admin@127.0.0.1:%d/cam-01", closedPort), "program-q3")
	rules := writeFile(t, s.dir, "rules.yaml", `rules:
  - id: cam-offline
    trigger: {type: offline, for: 1s}
    severity: critical
`)
	apiPort, metricsPort := freePort(t), freePort(t)
	s.apiBase = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	s.metrics = fmt.Sprintf("http://127.0.0.1:%d", metricsPort)
	s.aggConfig = writeFile(t, s.dir, "aggregator.yaml", fmt.Sprintf(`nats: {url: %q, creds_file: %q}
redis: {url: %q, prefix: %q}
listen: 127.0.0.1:%d
metrics_listen: 127.0.0.1:%d
consumer: {batch: 64, ack_wait: 5s}
agent_timeout: 10s
alerts: {rules: %q}
wards:
  - id: ben-nghe
    name: {vi: "Phường Bến Nghé", en: "Ben Nghe Ward"}
programs:
  - id: program-q1
    kind: street_cameras
    ward: ben-nghe
    name: {vi: "Camera phường, q1", en: "Ward cameras, q1"}
    cameras:
      q1/cam-01: {vi: "Cổng chợ", en: "Market gate"}
  - id: program-q3
    kind: boarding_house
    ward: ben-nghe
    name: {vi: "Nhà trọ q3", en: "Boarding house q3"}
    cameras:
      q3/cam-01: {vi: "Hành lang nhà trọ", en: "Boarding house hall"}
`, nenv.URL, nenv.Auth.AggregatorCreds, s.redisURL, prefix, apiPort, metricsPort, rules))
	s.simcam = start(t, "simcam", s.env, "simcam", "-config", simcamCfg)
	s.aggregator = start(t, "aggregator", s.env, "aggregator", "-config", s.aggConfig)
	s.edge = start(t, "edge-q1", s.env, "edge", "-config", edgeQ1)
	q3 := start(t, "edge-q3", s.env, "edge", "-config", edgeQ3)
	s.allLogs = []*proc{s.simcam, s.aggregator, s.edge, q3}
	s.waitReady(15 * time.Second)
	s.token = s.createToken("e2e", "admin", "")

	type camera struct {
		Ref, Site, ID, Status, Reason, Agent string
		Labels                               struct{ Program string }
	}
	getJSON := func(path string, v any) error {
		b, err := s.get(path)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v)
	}
	// Both cameras, each with its own state.
	testenv.Eventually(t, 40*time.Second, func() error {
		var l struct{ Cameras []camera }
		if err := getJSON("/api/v1/cameras", &l); err != nil {
			return err
		}
		if len(l.Cameras) != 2 {
			return fmt.Errorf("cameras %+v", l.Cameras)
		}
		a, b := l.Cameras[0], l.Cameras[1]
		if a.Ref != "q1/cam-01" || a.Status != "online" || a.Agent != "edge-q1" || a.Labels.Program != "program-q1" ||
			b.Ref != "q3/cam-01" || b.Status != "offline" || b.Agent != "edge-q3" || b.Labels.Program != "program-q3" {
			return fmt.Errorf("cameras %+v", l.Cameras)
		}
		return nil
	})
	t.Run("API", func(t *testing.T) {
		for _, tc := range []struct{ site, status string }{{"q1", "online"}, {"q3", "offline"}} {
			var c camera
			if err := getJSON("/api/v1/sites/"+tc.site+"/cameras/cam-01", &c); err != nil || c.Site != tc.site || c.Status != tc.status {
				t.Errorf("%s/cam-01: %+v %v", tc.site, c, err)
			}
			var l struct {
				Site   string
				Events []struct{ Site, Agent, Camera string }
			}
			from := url.QueryEscape(time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339))
			if err := getJSON("/api/v1/sites/"+tc.site+"/cameras/cam-01/events?from="+from+"&limit=1000", &l); err != nil || len(l.Events) == 0 || l.Site != tc.site {
				t.Fatalf("%s events: %d %v", tc.site, len(l.Events), err)
			}
			for _, e := range l.Events {
				if e.Site != tc.site || e.Agent != "edge-"+tc.site || e.Camera != "cam-01" {
					t.Fatalf("%s/cam-01's events list an event of %s/%s (agent %s)", tc.site, e.Site, e.Camera, e.Agent)
				}
			}
		}
		// The investigators' timeline: both cameras, each with its own
		// site's events and coverage.
		var tl struct {
			Cameras []struct {
				Ref     string
				Events  int
				Seconds map[string]float64
			}
			Events []struct{ Site, Camera string }
		}
		from := url.QueryEscape(time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339))
		if err := getJSON("/api/v1/timeline?camera=q1/cam-01,q3/cam-01&kind=health&from="+from, &tl); err != nil || len(tl.Cameras) != 2 {
			t.Fatalf("timeline: %+v %v", tl, err)
		}
		perSite := map[string]int{}
		for _, e := range tl.Events {
			perSite[e.Site+"/"+e.Camera]++
		}
		for _, c := range tl.Cameras {
			if c.Events == 0 || perSite[c.Ref] != c.Events {
				t.Errorf("timeline camera %s: %d events, %d listed", c.Ref, c.Events, perSite[c.Ref])
			}
		}
		if q1, q3 := tl.Cameras[0], tl.Cameras[1]; q1.Ref != "q1/cam-01" || q3.Ref != "q3/cam-01" || q1.Seconds["offline"] != 0 || q3.Seconds["offline"] == 0 {
			t.Errorf("timeline coverage: %+v", tl.Cameras)
		}
		if b, err := s.get("/api/v1/timeline?camera=cam-01&from=" + from); err == nil || !strings.Contains(err.Error(), "409") {
			t.Errorf("timeline of bare cam-01: %v %s", err, b)
		}
		b, err := s.get("/api/v1/cameras/cam-01")
		if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(string(b), "q1, q3") {
			t.Errorf("bare cam-01: %v %s, want 409 naming q1 and q3", err, b)
		}
		// An operator who sees q1's program only: the bare id is q1's.
		tok := s.createToken("q1-operator", "operator", "program=program-q1")
		b, err = getURL(s.apiBase+"/api/v1/cameras/cam-01", tok)
		var c camera
		if err != nil || json.Unmarshal(b, &c) != nil || c.Ref != "q1/cam-01" {
			t.Errorf("q1's operator, bare cam-01: %s %v", b, err)
		}
		if b, err := getURL(s.apiBase+"/api/v1/sites/q3/cameras/cam-01", tok); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("q1's operator reads q3/cam-01: %s %v", b, err)
		}
	})
	t.Run("uptime", func(t *testing.T) {
		var sum struct {
			Groups []struct {
				Key      string
				OnlineS  float64 `json:"online_s"`
				OfflineS float64 `json:"offline_s"`
			}
			Cameras []struct{ Ref, Site, ID string }
		}
		testenv.Eventually(t, 20*time.Second, func() error {
			if err := getJSON("/api/v1/uptime?group=camera&rows=cameras&window=24h", &sum); err != nil {
				return err
			}
			if len(sum.Groups) != 2 || len(sum.Cameras) != 2 {
				return fmt.Errorf("groups %+v cameras %+v", sum.Groups, sum.Cameras)
			}
			q1, q3 := sum.Groups[0], sum.Groups[1]
			if q1.Key != "q1/cam-01" || q3.Key != "q3/cam-01" || q1.OnlineS <= 0 || q1.OfflineS != 0 || q3.OfflineS <= 0 || q3.OnlineS != 0 {
				return fmt.Errorf("groups %+v", sum.Groups)
			}
			return nil
		})
		if b, err := s.get("/api/v1/uptime?camera=cam-01&window=24h"); err == nil || !strings.Contains(err.Error(), "409") {
			t.Errorf("uptime of bare cam-01: %v %s", err, b)
		}
		var one struct {
			All struct {
				OfflineS float64 `json:"offline_s"`
			}
		}
		if err := getJSON("/api/v1/uptime?camera=q1/cam-01&window=24h", &one); err != nil || one.All.OfflineS != 0 {
			t.Errorf("uptime of q1/cam-01: %+v %v", one, err)
		}
		b, err := s.get("/api/v1/uptime.csv?rows=cameras&window=24h")
		if err != nil || !strings.Contains(string(b), "\ncam-01,q1,edge-q1,") || !strings.Contains(string(b), "\ncam-01,q3,edge-q3,") {
			t.Errorf("csv: %v\n%s", err, b)
		}
	})
	type alert struct{ Key, Site, Camera, Rule, State string }
	var open []alert
	t.Run("alerts", func(t *testing.T) {
		testenv.Eventually(t, 20*time.Second, func() error {
			var l struct{ Alerts []alert }
			if err := getJSON("/api/v1/alerts", &l); err != nil {
				return err
			}
			if len(l.Alerts) != 1 || l.Alerts[0].Site != "q3" || l.Alerts[0].Camera != "cam-01" || l.Alerts[0].Key != "cam-offline/q3/camera/cam-01" {
				return fmt.Errorf("open alerts %+v, want q3's cam-01 alone", l.Alerts)
			}
			open = l.Alerts
			return nil
		})
		var l struct{ Alerts []alert }
		if err := getJSON("/api/v1/alerts?camera=q1/cam-01", &l); err != nil || len(l.Alerts) != 0 {
			t.Errorf("q1/cam-01's alerts: %+v %v", l.Alerts, err)
		}
		if err := getJSON("/api/v1/alerts?camera=q3/cam-01", &l); err != nil || len(l.Alerts) != 1 {
			t.Errorf("q3/cam-01's alerts: %+v %v", l.Alerts, err)
		}
	})
	t.Run("console", func(t *testing.T) {
		add := exec.Command(binPath, "user", "add", "-config", s.aggConfig, "-role", "operator", "-scope", "all", "-password-stdin", "minh")
		add.Stdin = strings.NewReader("operator-password-1\n")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
		ctx := chrome(t)
		login(t, ctx, s.apiBase, "minh", "operator-password-1")
		if err := chromedp.Do(ctx, chromedp.Navigate(s.apiBase+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		card := func(site string) string {
			return `document.querySelector('#cameras li[data-camera="cam-01"][data-site="` + site + `"]')`
		}
		until(t, ctx, "two cards for cam-01, one per site, each with its own state", `document.querySelectorAll('#cameras li[data-camera="cam-01"]').length === 2
			&& `+card("q1")+`.dataset.status === "online" && `+card("q3")+`.dataset.status === "offline"`)
		until(t, ctx, "each card has its own site's name from programs:", `["Cổng chợ", "Market gate"].includes(`+card("q1")+`.querySelector(".name").textContent)
			&& ["Hành lang nhà trọ", "Boarding house hall"].includes(`+card("q3")+`.querySelector(".name").textContent)`)
		until(t, ctx, "each card links its own camera and names its site", card("q1")+`.querySelector('a[href="#/camera/q1/cam-01"]')
			&& `+card("q3")+`.querySelector('a[href="#/camera/q3/cam-01"]')
			&& `+card("q1")+`.querySelector(".where").textContent.includes("q1") && `+card("q3")+`.querySelector(".where").textContent.includes("q3")`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#cameras li[data-site="q3"] a[href="#/camera/q3/cam-01"]`))); err != nil {
			t.Fatal(err)
		}
		until(t, ctx, "q3's timeline: its own events only (offline health, no stream figures)", `document.querySelector("h1").textContent.includes("q3")
			&& document.querySelector("#download").getAttribute("href").startsWith("/api/v1/sites/q3/cameras/cam-01/events?")
			&& document.querySelectorAll('#timeline tr[data-kind="health"] .badge').length > 0
			&& [...document.querySelectorAll('#timeline tr[data-kind="health"] .badge')].every((b) => b.dataset.status === "offline")`)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.apiBase+"/console/#/camera/q1/cam-01")); err != nil {
			t.Fatal(err)
		}
		until(t, ctx, "q1's timeline: online, with stats", `document.querySelector("h1").textContent.includes("q1")
			&& document.querySelector('#timeline tr[data-kind="stats"]')
			&& ![...document.querySelectorAll('#timeline tr[data-kind="health"] .badge')].some((b) => b.dataset.status === "offline")`)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.apiBase+"/console/#/alerts")); err != nil {
			t.Fatal(err)
		}
		key := open[0].Key
		until(t, ctx, "the alert is q3's cam-01", `document.querySelectorAll("li.alert").length === 1
			&& document.querySelector('li.alert[data-key="`+key+`"] a[href="#/camera/q3/cam-01"]')
			&& document.querySelector('li.alert[data-key="`+key+`"]').textContent.includes("q3")`)
	})
	if t.Failed() {
		return
	}
	// The operator's ack names the site in the audit record.
	req, _ := http.NewRequest(http.MethodPost, s.apiBase+"/api/v1/alerts/"+url.PathEscape(open[0].Key)+"/ack", strings.NewReader(`{"note":"q3 checked"}`))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ack: %v %v", resp, err)
	}
	resp.Body.Close()
	b, err := s.get("/api/v1/audit?action=alert.ack&object=camera:q3/cam-01")
	if err != nil || !strings.Contains(string(b), "camera:q3/cam-01") {
		t.Errorf("audit of the ack: %v %s", err, b)
	}
}

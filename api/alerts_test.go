package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

const alertRules = `rules:
  - id: cam-offline
    trigger: {type: offline, for: 1s}
    receivers: [ops]
`

type alertsEnv struct {
	t     testing.TB
	srv   *httptest.Server
	js    jetstream.JetStream
	rules string
	// seqs is each camera's last sequence number: an agent numbers each
	// camera's events on its own, and the events stream never holds two
	// messages of one camera with the same seq (the ingester and the
	// evidence reader keep the first of a seq, so a fixture that reused
	// one would hide its own events).
	seqs map[string]uint64
	r    *alerts.Runner
}

// nextSeq is cam's next sequence number.
func (e *alertsEnv) nextSeq(cam string) uint64 {
	if e.seqs == nil {
		e.seqs = map[string]uint64{}
	}
	e.seqs[cam]++
	return e.seqs[cam]
}

// newAlertsServer runs a real alerts runner (embedded NATS, real Redis)
// behind the API.
func newAlertsServer(t testing.TB) *alertsEnv {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EV",
		Subjects: []string{event.AllEventsSubjects, event.AllAgentsSubjects}}); err != nil {
		t.Fatal(err)
	}
	if err := alerts.EnsureStream(ctx, js, alerts.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(rules, []byte(alertRules), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := alerts.LoadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	r, err := alerts.NewRunner(alerts.RunnerOptions{NATS: nc, JS: js, Redis: rdb, Prefix: prefix,
		Rules: alerts.NewSet(set), RulesPath: rules, EventsStream: "EV", Tick: 50 * time.Millisecond,
		LeaseTTL: time.Second, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(rctx) }()
	t.Cleanup(func() { r.Close(); cancel(); <-done })
	srv := httptest.NewServer(newAPI(Options{Alerts: r, AlertsHeartbeat: 100 * time.Millisecond}))
	t.Cleanup(srv.Close)
	testenv.Eventually(t, 5*time.Second, func() error {
		if !r.Leading() {
			return fmt.Errorf("runner not leading")
		}
		return nil
	})
	return &alertsEnv{t: t, srv: srv, js: js, rules: rules, r: r}
}

func (e *alertsEnv) health(cam string, st event.Status) {
	e.t.Helper()
	ev := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1",
		Camera: cam, Time: time.Now(), Seq: e.nextSeq(cam), Labels: event.Labels{Program: "p1"},
		Health: &event.Health{Status: st, Since: time.Now(), LastFrameAgeMS: -1}}
	data, _ := event.Marshal(ev)
	if _, err := e.js.Publish(context.Background(), event.Subject(ev), data); err != nil {
		e.t.Fatal(err)
	}
}

func (e *alertsEnv) do(method, path, body string, into any) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, into); err != nil {
			e.t.Fatalf("%s %s: %v in %q", method, path, err, data)
		}
	}
	return resp.StatusCode, string(data)
}

func (e *alertsEnv) waitOpen(n int) []alerts.Alert {
	e.t.Helper()
	var list alertList
	testenv.Eventually(e.t, 10*time.Second, func() error {
		list = alertList{}
		if code, body := e.do("GET", "/api/v1/alerts", "", &list); code != 200 {
			return fmt.Errorf("status %d %s", code, body)
		}
		if len(list.Alerts) != n {
			return fmt.Errorf("%d open alerts, want %d", len(list.Alerts), n)
		}
		return nil
	})
	return list.Alerts
}

func TestAlertsAckResolveRoundTrip(t *testing.T) {
	e := newAlertsServer(t)
	e.health("cam-1", event.StatusOffline)
	a := e.waitOpen(1)[0]
	key := "/api/v1/alerts/" + url.PathEscape(a.Key)
	var got alerts.Alert
	if code, body := e.do("GET", key, "", &got); code != 200 || got.Key != a.Key {
		t.Fatalf("GET alert: %d %s", code, body)
	}
	var tr alerts.Transition
	if code, body := e.do("POST", key+"/ack", `{"note":"on my way"}`, &tr); code != 200 ||
		tr.Kind != alerts.TransitionAcknowledged || tr.Alert.Ack.By != "admin" {
		t.Fatalf("ack: %d %s", code, body)
	}
	if code, body := e.do("POST", key+"/ack", `{}`, nil); code != http.StatusConflict {
		t.Fatalf("second ack: %d %s", code, body)
	}
	var list alertList
	if code, _ := e.do("GET", "/api/v1/alerts?state=acknowledged&program=p1", "", &list); code != 200 || len(list.Alerts) != 1 {
		t.Fatalf("acknowledged list: %d %v", code, list)
	}
	if code, body := e.do("POST", key+"/resolve", `{"note":"cable replaced"}`, &tr); code != 200 ||
		tr.Kind != alerts.TransitionResolved {
		t.Fatalf("resolve: %d %s", code, body)
	}
	if code, _ := e.do("GET", key, "", nil); code != http.StatusNotFound {
		t.Fatalf("resolved alert still open: %d", code)
	}
	list = alertList{}
	if code, _ := e.do("GET", "/api/v1/alerts?state=resolved", "", &list); code != 200 || len(list.Alerts) != 1 ||
		list.Alerts[0].ResolvedBy != "admin" {
		t.Fatalf("resolved list: %d %+v", code, list)
	}
}

func TestAlertsSilencesArmAndReload(t *testing.T) {
	e := newAlertsServer(t)
	var sil alerts.Silence
	end := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if code, body := e.do("POST", "/api/v1/silences", `{"program":"p1","end":"`+end+`"}`, &sil); code != 201 || sil.ID == "" {
		t.Fatalf("add silence: %d %s", code, body)
	}
	var list silenceList
	testenv.Eventually(t, 5*time.Second, func() error {
		list = silenceList{}
		if code, body := e.do("GET", "/api/v1/silences", "", &list); code != 200 || len(list.Silences) != 1 {
			return fmt.Errorf("silences %d %s", code, body)
		}
		return nil
	})
	// A silenced alert fires, but nobody is notified.
	e.health("cam-1", event.StatusOffline)
	if a := e.waitOpen(1)[0]; a.Suppressed != "silence:"+sil.ID {
		t.Fatalf("alert suppressed %q, want by the silence", a.Suppressed)
	}
	if code, body := e.do("DELETE", "/api/v1/silences/"+sil.ID, "", nil); code != 204 {
		t.Fatalf("delete silence: %d %s", code, body)
	}
	if code, _ := e.do("DELETE", "/api/v1/silences/"+sil.ID, "", nil); code != 404 {
		t.Fatalf("delete twice: %d", code)
	}
	for _, op := range []string{"disarm", "arm"} {
		if code, body := e.do("POST", "/api/v1/programs/p1/"+op, "", nil); code != 200 {
			t.Fatalf("%s: %d %s", op, code, body)
		}
	}
	if code, body := e.do("POST", "/api/v1/alerts/reload", "", nil); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	if err := os.WriteFile(e.rules, []byte("rules:\n  - id: x\n    trigger: {type: nope}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, body := e.do("POST", "/api/v1/alerts/reload", "", nil)
	if code != 400 || !strings.Contains(body, "rules[0].trigger") || !strings.Contains(body, "keeping the 1 rules") {
		t.Fatalf("bad reload: %d %s", code, body)
	}
}

func TestAlertsBadRequests(t *testing.T) {
	e := newAlertsServer(t)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"unknown state", "GET", "/api/v1/alerts?state=burning", "", 400, "state:"},
		{"bad from", "GET", "/api/v1/alerts?state=resolved&from=yesterday", "", 400, "from:"},
		{"from after to", "GET", "/api/v1/alerts?state=resolved&from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z", "", 400, "from:"},
		{"unknown alert", "GET", "/api/v1/alerts/nope", "", 404, "nope"},
		{"ack naming who acts (the signed-in actor does)", "POST", "/api/v1/alerts/nope/ack", `{"by":"x"}`, 400, "body:"},
		{"ack with trailing data", "POST", "/api/v1/alerts/nope/ack", `{"note":"x"} {"note":"y"}`, 400, "body:"},
		{"ack unknown field", "POST", "/api/v1/alerts/nope/ack", `{"who":"x"}`, 400, "body:"},
		{"ack not json", "POST", "/api/v1/alerts/nope/ack", `by=x`, 400, "body:"},
		{"ack unknown alert", "POST", "/api/v1/alerts/nope/ack", `{"note":"x"}`, 404, "nope"},
		{"resolve unknown alert", "POST", "/api/v1/alerts/nope/resolve", `{}`, 404, "nope"},
		{"silence without end", "POST", "/api/v1/silences", `{"program":"p1"}`, 400, "end:"},
		{"silence ends before start", "POST", "/api/v1/silences", `{"start":"` + future + `","end":"2020-01-01T00:00:00Z"}`, 400, "end:"},
		{"silence in the past", "POST", "/api/v1/silences", `{"end":"2020-01-01T00:00:00Z"}`, 400, "end:"},
		{"silence with id", "POST", "/api/v1/silences", `{"id":"x","end":"` + future + `"}`, 400, "id:"},
		{"bad program", "POST", "/api/v1/programs/bad%20name/arm", "", 400, "program:"},
		{"bad last event id", "GET", "/api/v1/alerts/stream?last_event_id=x", "", 400, "Last-Event-ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.do(tc.method, tc.path, tc.body, nil)
			var eb errorBody
			if code != tc.code || json.Unmarshal([]byte(body), &eb) != nil || !strings.Contains(eb.Error, tc.want) {
				t.Fatalf("got %d %s, want %d naming %q", code, body, tc.code, tc.want)
			}
		})
	}
}

func TestAlertsWithoutEngineAnswer503(t *testing.T) {
	srv := httptest.NewServer(newAPI(Options{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// sse reads events ("id kind") from an SSE response until n arrived.
func sse(t *testing.T, body io.Reader, n int) (events []string, heartbeats int) {
	t.Helper()
	sc := bufio.NewScanner(body)
	var id string
	for len(events) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			events = append(events, id+" "+strings.TrimPrefix(line, "event: "))
		case line == ": heartbeat":
			heartbeats++
		}
	}
	return events, heartbeats
}

func TestAlertStreamResumesWithLastEventID(t *testing.T) {
	e := newAlertsServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/alerts/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	e.health("cam-1", event.StatusOffline)
	got, _ := sse(t, resp.Body, 1)
	cancel() // the console goes away after seeing seq 1
	resp.Body.Close()
	if len(got) != 1 || got[0] != "1 firing" {
		t.Fatalf("live feed gave %q", got)
	}
	// While it is away: cam-2 fires, cam-1 recovers.
	e.health("cam-2", event.StatusOffline)
	e.waitOpen(2)
	e.health("cam-1", event.StatusOnline)
	e.waitOpen(1)

	req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/alerts/stream", nil)
	req.Header.Set("Last-Event-ID", "1")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ = sse(t, resp.Body, 2)
	if strings.Join(got, ",") != "2 firing,3 resolved" {
		t.Fatalf("resumed feed gave %q, want exactly the two missed", got)
	}
	// Nothing else happens: heartbeats keep the connection alive.
	if _, hb := sse(t, io.LimitReader(resp.Body, 40), 1); hb == 0 {
		t.Fatal("no heartbeat on an idle feed")
	}
}

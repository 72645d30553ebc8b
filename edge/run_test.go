package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestRun runs the whole agent from a config file against simulated
// cameras and an embedded JetStream: events arrive on their subjects with
// their ids as message ids, heartbeats count the cameras, /metrics and
// /healthz answer, the camera password shows up nowhere, and the agent
// stops cleanly.
func TestRun(t *testing.T) {
	t.Parallel()
	// The agent connects with its own credentials, as in production.
	env := testenv.NATSAuth(t, natsauth.Agent{Site: "test-site", Agent: "edge-test-01"})
	nc := env.Connect(t, env.Aggregator(), "")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "CAMWATCH", Subjects: []string{event.AllEventsSubjects, event.AllAgentsSubjects}})
	if err != nil {
		t.Fatal(err)
	}
	sim := startSim(t, simcam.Options{Username: simUser, Password: simPass,
		Cameras: []simcam.Camera{{ID: "cam-a", Clip: "static-320x240"}}})
	yaml := fmt.Sprintf(`
site: test-site
agent: edge-test-01
nats: {url: %q, creds_file: %q}
spool_dir: %q
metrics_listen: 127.0.0.1:0
timing: {heartbeat_interval: 300ms, stats_interval: 1s, backoff: [100ms, 300ms]}
cameras:
  - id: cam-a
    url: %q
    username: %s
    password: %q
    labels: {ward: ben-nghe, program: test}
  - id: cam-b
    url: rtsp://%s@%s/cam-b
    password: %q
  - id: cam-off
    url: rtsp://127.0.0.1:1/cam-off
    disabled: true
`, env.URL, env.Agent(t, "test-site", "edge-test-01").CredsFile, t.TempDir(), sim.URL("cam-a"), simUser, simPass, simUser, closedPort(t), simPass)
	var cfg configs.Edge
	if err := configs.Parse([]byte(yaml), &cfg); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	reg := prometheus.NewRegistry()
	opts := OptionsFromConfig(&cfg, logs.logger(), reg)
	if len(opts.Cameras) != 2 {
		t.Fatalf("OptionsFromConfig kept %d cameras, want 2 (one is disabled)", len(opts.Cameras))
	}
	addrCh := make(chan net.Addr, 1)
	opts.MetricsReady = func(a net.Addr) { addrCh <- a }
	opts.ShutdownTimeout = 3 * time.Second

	runCtx, stop := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- Run(runCtx, opts) }()
	var stopOnce sync.Once
	stopRun := func() error {
		var err error
		stopOnce.Do(func() {
			stop()
			select {
			case err = <-runErr:
			case <-time.After(5 * time.Second):
				err = fmt.Errorf("Run did not return within 5s")
			}
		})
		return err
	}
	t.Cleanup(func() { stopRun() })
	var addr net.Addr
	select {
	case addr = <-addrCh:
	case err := <-runErr:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("metrics listener not ready")
	}

	// Read back everything JetStream holds.
	type msg struct {
		subject, msgID string
		ev             *event.Event
		raw            string
	}
	readAll := func() ([]msg, error) {
		info, err := stream.Info(ctx)
		if err != nil {
			return nil, err
		}
		var out []msg
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			m, err := stream.GetMsg(ctx, seq)
			if err != nil {
				return nil, err
			}
			ev, err := event.Decode(m.Data)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", seq, err)
			}
			out = append(out, msg{m.Subject, m.Header.Get(jetstream.MsgIDHeader), ev, string(m.Data)})
		}
		return out, nil
	}
	want := []struct {
		what    string
		subject string
		ok      func(*event.Event) bool
	}{
		{"cam-a online", "camwatch.events.test-site.edge-test-01.cam-a.health", health(event.KindHealth, event.StatusOnline, "")},
		{"cam-a stats", "camwatch.events.test-site.edge-test-01.cam-a.stats", func(ev *event.Event) bool {
			return ev.Kind == event.KindStats && ev.Health.Status == event.StatusOnline && ev.Health.FPS > 0
		}},
		{"cam-b refused", "camwatch.events.test-site.edge-test-01.cam-b.health", health(event.KindHealth, event.StatusOffline, event.ReasonRefused)},
		{"heartbeat with one of two online", "camwatch.agents.test-site.edge-test-01.heartbeat", func(ev *event.Event) bool {
			return ev.Kind == event.KindHeartbeat && ev.Heartbeat.Cameras == 2 && ev.Heartbeat.Online == 1 && ev.Heartbeat.Version != ""
		}},
	}
	var msgs []msg
	testenv.Eventually(t, 20*time.Second, func() error {
		var err error
		if msgs, err = readAll(); err != nil {
			return err
		}
		for _, w := range want {
			found := false
			for _, m := range msgs {
				if m.ev.Kind != event.KindHeartbeat && m.ev.Camera == "cam-a" && m.ev.Labels.Ward != "ben-nghe" {
					return fmt.Errorf("labels lost: %+v", m.ev)
				}
				if w.ok(m.ev) {
					if m.subject != w.subject {
						return fmt.Errorf("%s on subject %q, want %q", w.what, m.subject, w.subject)
					}
					found = true
				}
			}
			if !found {
				return fmt.Errorf("no %s among %d messages", w.what, len(msgs))
			}
		}
		return nil
	})
	seqs := map[string]uint64{}
	for _, m := range msgs {
		if err := event.CheckSubject(m.ev, m.subject); err != nil {
			t.Error(err)
		}
		if m.msgID == "" || m.msgID != m.ev.ID {
			t.Errorf("message id %q, event id %q", m.msgID, m.ev.ID)
		}
		k := m.ev.Camera
		if m.ev.Kind == event.KindHeartbeat {
			k = "agent"
		}
		if m.ev.Seq != seqs[k]+1 {
			t.Errorf("%s seq %d after %d", k, m.ev.Seq, seqs[k])
		}
		seqs[k] = m.ev.Seq
	}

	get := func(path string) string {
		t.Helper()
		res, err := http.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, res.Status)
		}
		return string(b)
	}
	metricsText := get("/metrics")
	for _, s := range []string{`camwatch_edge_frames_total{camera="cam-a"}`, `camwatch_edge_camera_online{camera="cam-b"} 0`, `camwatch_edge_events_total{kind="heartbeat"}`} {
		if !strings.Contains(metricsText, s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
	var hz healthz
	if err := json.Unmarshal([]byte(get("/healthz")), &hz); err != nil || hz.Cameras != 2 || hz.Online != 1 || hz.NATS != "CONNECTED" {
		t.Errorf("/healthz = %+v, %v", hz, err)
	}

	if err := stopRun(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	final, err := readAll()
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, m := range final {
		all.WriteString(m.raw)
	}
	for name, text := range map[string]string{"logs": logs.String(), "events": all.String(), "metrics": metricsText} {
		if strings.Contains(text, simPass) {
			t.Errorf("the camera password appears in the %s", name)
		}
	}
	if !strings.Contains(logs.String(), "edge agent stopped") {
		t.Errorf("no orderly stop in the logs:\n%s", logs.String())
	}
}

// TestRunRejectsBadOptions checks that Run refuses to start without what
// it needs, before touching disk or network.
func TestRunRejectsBadOptions(t *testing.T) {
	good := func() Options {
		return Options{Site: "s", Agent: "a", NATSURL: "nats://127.0.0.1:1", SpoolDir: t.TempDir(),
			Cameras: []Camera{{ID: "c1", URL: "rtsp://127.0.0.1:1/c1"}}}
	}
	cases := []struct {
		name   string
		change func(*Options)
	}{
		{"bad site", func(o *Options) { o.Site = "a b" }},
		{"no agent", func(o *Options) { o.Agent = "" }},
		{"no spool", func(o *Options) { o.SpoolDir = "" }},
		{"no cameras", func(o *Options) { o.Cameras = nil }},
		{"camera twice", func(o *Options) { o.Cameras = append(o.Cameras, o.Cameras[0]) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good()
			tc.change(&o)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := Run(ctx, o); err == nil || !strings.Contains(err.Error(), "bad options") {
				t.Errorf("Run = %v, want a bad-options error", err)
			}
		})
	}
}

package aggregator

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

func startAggregator(t *testing.T, natsURL string) *Aggregator {
	t.Helper()
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	cfg.Redis.Prefix = prefix
	o := OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	o.NATSURL, o.Redis, o.SampleInterval = natsURL, rdb, 100*time.Millisecond
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	authorize(t, a)
	return a
}

// jetStream connects a client to the test's NATS server, closed with the
// test.
func jetStream(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func publish(t *testing.T, js jetstream.JetStream, e *event.Event) {
	t.Helper()
	data, err := event.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(event.Subject(e))
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, e.ID)
	if _, err := js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

func getBody(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestAggregatorEndToEnd(t *testing.T) {
	url := testenv.NATS(t)
	a := startAggregator(t, url)
	js := jetStream(t, url)
	now := time.Now().Add(-10 * time.Second).UTC()
	mk := func(k event.Kind, cam string, seq uint64) *event.Event {
		e := &event.Event{Schema: 1, ID: event.NewID(), Kind: k, Site: "q1", Agent: "edge-1", Camera: cam,
			Time: now.Add(time.Duration(seq) * time.Millisecond), Seq: seq}
		switch k {
		case event.KindHeartbeat:
			e.Camera = ""
			e.Heartbeat = &event.Heartbeat{Version: "t", Started: now, IntervalS: 5, Cameras: 2}
		default:
			e.Health = &event.Health{Status: event.StatusOnline, Since: now, FPS: 15}
		}
		return e
	}
	publish(t, js, mk(event.KindHeartbeat, "", 1))
	for i := uint64(1); i <= 50; i++ {
		publish(t, js, mk(event.KindStats, "cam-1", i))
	}
	off := mk(event.KindHealth, "cam-2", 1)
	off.Health.Status, off.Health.Reason, off.Health.Detail = event.StatusOffline, event.ReasonAuthFailed, "401 Unauthorized"
	publish(t, js, off)

	base := "http://" + a.Addr()
	testenv.Eventually(t, 10*time.Second, func() error {
		code, body, err := getBody(base + "/api/v1/cameras/cam-1/events?limit=100")
		if err != nil || code != 200 {
			return fmt.Errorf("%d %v", code, err)
		}
		var l struct{ Events []event.Event }
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			return err
		}
		if len(l.Events) != 50 {
			return fmt.Errorf("%d events", len(l.Events))
		}
		return nil
	})
	code, body, err := getBody(base + "/api/v1/cameras")
	if err != nil || code != 200 {
		t.Fatalf("cameras: %d %v", code, err)
	}
	var list struct{ Cameras []camstate.Camera }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Cameras) != 2 || list.Cameras[0].Status != event.StatusOnline || list.Cameras[1].Status != event.StatusOffline ||
		list.Cameras[1].Reason != event.ReasonAuthFailed {
		t.Errorf("cameras = %s", body)
	}
	if code, body, _ := getBody(base + "/readyz"); code != 200 || !strings.Contains(body, `"redis":"ok"`) || !strings.Contains(body, `"nats":"ok"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	// /metrics is on metrics_listen, not on the API listener.
	if code, _, _ := getBody(base + "/metrics"); code != 404 {
		t.Errorf("/metrics on the API listener: %d, want 404", code)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		_, m, err := getBody("http://" + a.MetricsAddr() + "/metrics")
		if err != nil {
			return err
		}
		for _, want := range []string{
			`camwatch_ingest_events_total{kind="stats"} 50`,
			`camwatch_ingest_events_total{kind="heartbeat"} 1`,
			`camwatch_cameras{status="online"} 1`,
			`camwatch_cameras{status="offline"} 1`,
			`camwatch_ingest_consumer_pending 0`,
			`camwatch_ingest_batch_seconds_count`,
		} {
			if !strings.Contains(m, want) {
				return fmt.Errorf("metrics lack %q", want)
			}
		}
		return nil
	})
}

func TestAggregatorRunStopsWithContext(t *testing.T) {
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	cfg.Redis.Prefix = prefix
	started := make(chan struct{}, 1)
	h := &startedHandler{started: started}
	logger := slog.New(h)
	o := OptionsFromConfig(&cfg, logger, prometheus.NewRegistry())
	o.NATSURL, o.Redis = testenv.NATS(t), rdb
	// The cancel plays the signal that stops the process; it comes once
	// the aggregator says it has started (however long that takes on a
	// loaded machine), as an operator's Ctrl-C would.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	select {
	case <-started:
		cancel()
	case err := <-done:
		t.Fatalf("run returned before it started: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the aggregator did not start")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	// Its own close of the connection is no disconnection to warn about
	// (nats.go calls the handler asynchronously: without the fix this
	// catches the warning when it came before Run returned, about half
	// the runs here).
	if n := h.disconnects.Load(); n != 0 {
		t.Errorf("a clean stop logged %d \"nats disconnected\" warnings", n)
	}
}

func TestAggregatorStartFailsWithoutNATS(t *testing.T) {
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, _ := testenv.Redis(t)
	o := OptionsFromConfig(&cfg, nil, prometheus.NewRegistry())
	o.NATSURL, o.Redis = "nats://127.0.0.1:1", rdb
	if a, err := Start(context.Background(), o); err == nil {
		a.Close()
		t.Fatal("started without NATS")
	}
}

// startedHandler signals once the aggregator logs that it has started.
type startedHandler struct {
	started chan struct{}
	// disconnects counts "nats disconnected" warnings.
	disconnects atomic.Int32
}

func (h *startedHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *startedHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "nats disconnected" && r.Level >= slog.LevelWarn {
		h.disconnects.Add(1)
	}
	if r.Message == "aggregator started" {
		select {
		case h.started <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h *startedHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *startedHandler) WithGroup(string) slog.Handler      { return h }

package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// memSink is an in-memory Sink that numbers events the way the spool
// does and checks every one against the wire contract.
type memSink struct {
	mu      sync.Mutex
	events  []*event.Event
	seq     map[string]uint64
	invalid []error
}

func newMemSink() *memSink { return &memSink{seq: map[string]uint64{}} }

func (m *memSink) Append(ev *event.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := ev.Camera
	if ev.Kind == event.KindHeartbeat {
		key = "agent:" + ev.Agent
	}
	m.seq[key]++
	if ev.ID == "" { // as the spool: a snapshot's event comes with its id
		ev.ID = event.NewID()
	}
	ev.Seq = m.seq[key]
	if err := ev.Validate(); err != nil {
		m.invalid = append(m.invalid, err)
	}
	cp := *ev
	m.events = append(m.events, &cp)
	return nil
}

// all returns a copy of the events so far.
func (m *memSink) all() []*event.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*event.Event(nil), m.events...)
}

// find returns the first event matching ok, or an error naming what was
// seen, for testenv.Eventually.
func (m *memSink) find(what string, ok func(*event.Event) bool) (*event.Event, error) {
	evs := m.all()
	for _, ev := range evs {
		if ok(ev) {
			return ev, nil
		}
	}
	return nil, fmt.Errorf("no %s among %d events: %s", what, len(evs), summary(evs))
}

// await waits for an event matching ok and returns it.
func (m *memSink) await(t *testing.T, timeout time.Duration, what string, ok func(*event.Event) bool) *event.Event {
	t.Helper()
	var found *event.Event
	testenv.Eventually(t, timeout, func() error {
		ev, err := m.find(what, ok)
		found = ev
		return err
	})
	return found
}

func (m *memSink) checkValid(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, err := range m.invalid {
		t.Errorf("invalid event emitted: %v", err)
	}
}

func summary(evs []*event.Event) string {
	var b strings.Builder
	for _, ev := range evs[max(0, len(evs)-12):] {
		fmt.Fprintf(&b, "[%s %s", ev.Camera, ev.Kind)
		if ev.Health != nil {
			fmt.Fprintf(&b, " %s/%s %q fps=%.1f", ev.Health.Status, ev.Health.Reason, ev.Health.Detail, ev.Health.FPS)
		}
		b.WriteString("] ")
	}
	return b.String()
}

func health(kind event.Kind, status event.Status, reason event.Reason) func(*event.Event) bool {
	return func(ev *event.Event) bool {
		return ev.Kind == kind && ev.Health != nil && ev.Health.Status == status && (reason == "" || ev.Health.Reason == reason)
	}
}

// testTiming is quick enough for tests and keeps the production stall
// timeout, which the 3 s promise depends on.
func testTiming() Timing {
	return Timing{
		StatsInterval: time.Second,
		StallTimeout:  2 * time.Second,
		DialTimeout:   2 * time.Second,
		ReadTimeout:   3 * time.Second,
		Backoff:       []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
		Healthy:       2 * time.Second,
	}
}

// logBuffer collects a logger's output at debug level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// running is a supervisor started by startSupervisor.
type running struct {
	sup  *Supervisor
	sink *memSink
	reg  *prometheus.Registry
	m    *Metrics
	stop func()
}

// det is the camera's detection series.
func (r *running) det() detect.Metrics { return r.m.detection(r.sup.cam.ID) }

// startSupervisor runs a supervisor for cam until the test ends (or stop).
func startSupervisor(t *testing.T, cam Camera, timing Timing, logger *slog.Logger) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	sup, err := NewSupervisor(cam, SupervisorOptions{Site: "test-site", Agent: "test-agent", Timing: timing, Sink: sink, Logger: logger, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sup.Run(ctx)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(time.Second):
				t.Error("Run did not return within 1s of cancel")
				<-done
			}
			sup.Wait()
			sink.checkValid(t)
		})
	}
	t.Cleanup(stop)
	return &running{sup: sup, sink: sink, reg: reg, m: m, stop: stop}
}

// startSim starts simulated cameras until the test ends.
func startSim(t *testing.T, opts simcam.Options) *simcam.Server {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := simcam.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("simcam: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	return srv
}

// fakeServer listens on a random port and hands every connection to serve;
// at the end of the test it closes the listener and every connection.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// closedPort returns an address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// leftovers lists goroutines still running supervisor or RTSP client code.
func leftovers() error {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var bad []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "deepch/vdk") || strings.Contains(g, "camwatch/edge.(*Supervisor)") || strings.Contains(g, "camwatch/edge.(*vdkSession)") {
			bad = append(bad, strings.SplitN(g, "\n", 3)[0]+" "+strings.SplitN(g, "\n", 3)[1])
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d goroutines left: %s", len(bad), strings.Join(bad, "; "))
	}
	return nil
}

func eventsJSON(t *testing.T, evs []*event.Event) string {
	t.Helper()
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricValue reads a counter or gauge.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	t.Fatalf("metric %v is neither counter nor gauge", m.Desc())
	return 0
}

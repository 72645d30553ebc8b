package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// fastBackoff keeps retry tests quick; the steps still grow.
var fastBackoff = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}

// env is an embedded NATS with the alerts stream as the engine creates
// it, plus captured logs and a fresh registry.
type env struct {
	js      jetstream.JetStream
	reg     *prometheus.Registry
	logs    *testenv.LogBuffer
	log     *slog.Logger
	secrets []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = js.CreateStream(context.Background(), jetstream.StreamConfig{
		Name: DefaultStream, Subjects: []string{AlertsSubjects}, Duplicates: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{js: js, reg: prometheus.NewRegistry(), logs: &testenv.LogBuffer{}}
	e.log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() { e.checkNoSecrets(t) })
	return e
}

// receiver returns a receiver config with its own secret, remembered so
// that the test can check it never shows up.
func (e *env) receiver(name, url string) Receiver {
	s := "s3cret-" + name + "-hmac"
	e.secrets = append(e.secrets, s)
	return Receiver{Name: name, URL: url, Secret: configs.NewSecret(s), Timeout: 2 * time.Second}
}

func (e *env) start(t *testing.T, rs ...Receiver) *Notifier {
	t.Helper()
	return e.startWith(t, Options{Receivers: rs})
}

func (e *env) startWith(t *testing.T, o Options) *Notifier {
	t.Helper()
	o.JS = e.js
	if o.Backoff == nil {
		o.Backoff = fastBackoff
	}
	if o.Registerer == nil {
		o.Registerer = e.reg
	}
	o.Logger = e.log
	n, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// publish sends t as the engine does: Nats-Msg-Id is the transition id.
func (e *env) publish(t *testing.T, tr alerts.Transition) {
	t.Helper()
	e.publishID(t, tr, tr.ID)
}

func (e *env) publishID(t *testing.T, tr alerts.Transition, msgID string) {
	t.Helper()
	data, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	// The engine's subject: camwatch.alerts.<site>.<camera>.<kind>.
	e.publishRaw(t, "camwatch.alerts."+tr.Alert.Site+"."+tr.Alert.Camera+"."+string(tr.Kind), data, msgID)
}

func (e *env) publishRaw(t *testing.T, subject string, data []byte, msgID string) {
	t.Helper()
	m := nats.NewMsg(subject)
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// settled waits until the receiver's consumer has nothing pending or
// unacknowledged: after it, no further request can come.
func (e *env) settled(t *testing.T, receiver string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		c, err := e.js.Consumer(context.Background(), DefaultStream, Durable(receiver))
		if err != nil {
			return err
		}
		i, err := c.Info(context.Background())
		if err != nil {
			return err
		}
		if i.NumPending != 0 || i.NumAckPending != 0 || i.NumRedelivered != 0 {
			return fmt.Errorf("consumer %s: pending %d, ack pending %d, redelivered %d", receiver, i.NumPending, i.NumAckPending, i.NumRedelivered)
		}
		return nil
	})
}

// metric returns the value of a counter or a histogram's count.
func (e *env) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue next
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// checkNoSecrets fails the test when a secret is in the logs or metrics.
func (e *env) checkNoSecrets(t *testing.T) {
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&metrics, mf); err != nil {
			t.Fatal(err)
		}
	}
	logs := e.logs.String()
	for _, s := range e.secrets {
		if strings.Contains(logs, s) {
			t.Errorf("secret %q is in the logs:\n%s", s, logs)
		}
		if strings.Contains(metrics.String(), s) {
			t.Errorf("secret %q is in the metrics", s)
		}
	}
}

// transition is one step of an alert as the engine emits it.
func transition(alertID string, kind alerts.TransitionKind, notify ...string) alerts.Transition {
	at := time.Now().UTC()
	return alerts.Transition{
		ID: alertID + "/" + string(kind), Kind: kind, At: at, Notify: notify,
		Alert: alerts.Alert{
			ID: alertID, Key: "street-offline/q1/" + alertID, Rule: "street-offline", Trigger: alerts.TriggerOffline,
			Severity: alerts.SeverityCritical, Site: "q1", Camera: "cam-" + alertID, State: alerts.AlertState(kind), Since: at, FiredAt: at,
		},
	}
}

// hook is a webhook receiver that records what it accepted. Its answer
// can be switched: 0 accepts, an HTTP status refuses with it, hang holds
// the request past the notifier's timeout.
type hook struct {
	srv      *httptest.Server
	status   atomic.Int32
	attempts atomic.Int64
	release  chan struct{}

	mu   sync.Mutex
	got  []request
	seen chan struct{}
}

const hang = -1

type request struct {
	ID     string
	Kind   alerts.TransitionKind
	Body   []byte
	Header http.Header
}

func newHook(t *testing.T) *hook {
	h := &hook{release: make(chan struct{}), seen: make(chan struct{}, 1000)}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.close)
	return h
}

// newHookAt starts a hook on a given address (a receiver coming back).
func newHookAt(t *testing.T, addr string) *hook {
	h := &hook{release: make(chan struct{}), seen: make(chan struct{}, 1000)}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	h.srv = httptest.NewUnstartedServer(h)
	h.srv.Listener.Close()
	h.srv.Listener = l
	h.srv.Start()
	t.Cleanup(h.close)
	return h
}

var closeOnce sync.Map

func (h *hook) close() {
	if _, done := closeOnce.LoadOrStore(h, true); done {
		return
	}
	close(h.release)
	h.srv.Close()
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.attempts.Add(1)
	body, _ := io.ReadAll(r.Body)
	switch s := h.status.Load(); {
	case s == hang:
		select {
		case <-h.release:
		case <-time.After(5 * time.Second):
		}
		return
	case s != 0:
		w.WriteHeader(int(s))
		return
	}
	var tr alerts.Transition
	if err := json.Unmarshal(body, &tr); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.got = append(h.got, request{ID: tr.ID, Kind: tr.Kind, Body: body, Header: r.Header.Clone()})
	h.mu.Unlock()
	h.seen <- struct{}{}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hook) requests() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

func (h *hook) ids() []string {
	var ids []string
	for _, r := range h.requests() {
		ids = append(ids, r.ID)
	}
	return ids
}

// waitIDs waits until the hook accepted n requests, then returns the ids.
func (h *hook) waitIDs(t *testing.T, n int) []string {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, func() error {
		if got := len(h.requests()); got < n {
			return fmt.Errorf("%d of %d notifications received", got, n)
		}
		return nil
	})
	return h.ids()
}

// freeAddr returns an address nobody listens on: connections are refused.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

func errInvalid() error { return configs.ErrInvalid }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package aggregator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/notify"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/simcam"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

const webhookSecret = "proof-hmac-key-7c1e"

// webhook is a receiver that can be down (503) and counts what it accepted
// by Idempotency-Key, checking each signature.
type webhook struct {
	mu       sync.Mutex
	down     bool
	refused  int
	accepted map[string]int
	kinds    []string
	badSig   int
	srv      *httptest.Server
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{accepted: map[string]int{}}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.down || err != nil {
			w.refused++
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if notify.Verify([]byte(webhookSecret), body, r.Header.Get(notify.HeaderSignature)) != nil {
			w.badSig++
		}
		var tr alerts.Transition
		_ = json.Unmarshal(body, &tr)
		key := r.Header.Get(notify.HeaderIdempotencyKey)
		if w.accepted[key] == 0 {
			w.kinds = append(w.kinds, string(tr.Kind))
		}
		w.accepted[key]++
	}))
	t.Cleanup(w.srv.Close)
	t.Setenv("CAMWATCH_TEST_WEBHOOK_URL", w.srv.URL+"/hook")
	t.Setenv("CAMWATCH_TEST_WEBHOOK_SECRET", webhookSecret)
	return w
}

func (w *webhook) setDown(down bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.down = down
}

// snapshot returns the accepted keys with their counts, the kinds in the
// order first accepted, the 503s answered and the bad signatures.
func (w *webhook) snapshot() (map[string]int, []string, int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := map[string]int{}
	for k, v := range w.accepted {
		m[k] = v
	}
	return m, append([]string(nil), w.kinds...), w.refused, w.badSig
}

// feed collects the transitions of one SSE connection.
type feed struct {
	mu  sync.Mutex
	trs []alerts.Transition
}

// watch opens the SSE feed of the aggregator at base until the test ends.
func watch(t testing.TB, base string) *feed {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/alerts/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("SSE answered %s", resp.Status)
	}
	f := &feed{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var tr alerts.Transition
			if json.Unmarshal([]byte(data), &tr) == nil {
				f.mu.Lock()
				f.trs = append(f.trs, tr)
				f.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	return f
}

// of lists "rule kind" of the transitions of camera cam so far.
func (f *feed) of(cam string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for _, tr := range f.trs {
		if tr.Alert.Camera == cam {
			out = append(out, tr.Alert.Rule+" "+string(tr.Kind))
		}
	}
	return out
}

// startSim runs simulated cameras until the test ends.
func startSim(t *testing.T, cams ...simcam.Camera) *simcam.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := simcam.Start(ctx, simcam.Options{Listen: "127.0.0.1:0", Cameras: cams})
	if err != nil {
		cancel()
		t.Fatalf("simcam: %v", err)
	}
	t.Cleanup(func() { cancel(); srv.Close() })
	return srv
}

// startEdge runs an edge agent (site q1, agent edge-1) until the test ends.
func startEdge(t *testing.T, natsURL string, cams ...edge.Camera) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- edge.Run(ctx, edge.Options{
			Site: "q1", Agent: "edge-1", NATSURL: natsURL, SpoolDir: t.TempDir(), Cameras: cams,
			HeartbeatInterval: time.Second,
			Timing: edge.Timing{StatsInterval: time.Second, StallTimeout: 2 * time.Second, DialTimeout: 2 * time.Second,
				ReadTimeout: 3 * time.Second, Healthy: 2 * time.Second,
				Backoff: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}},
			Logger: slog.New(slog.DiscardHandler), Registerer: prometheus.NewRegistry(), ShutdownTimeout: 2 * time.Second,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("edge: %v", err)
		}
	})
}

// startAlerting starts an aggregator replica with the given rules and
// receivers files (receivers may be empty) and quick alert clocks.
func startAlerting(t testing.TB, natsURL string, rdb *redis.Client, prefix, rules, receivers string) *Aggregator {
	t.Helper()
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Redis.Prefix = prefix
	cfg.Alerts.Rules, cfg.Alerts.Receivers = rules, receivers
	cfg.Alerts.Tick, cfg.Alerts.LeaseTTL = 200*time.Millisecond, 3*time.Second
	cfg.Alerts.SigningKey = sharedSigningKey(t) // every replica signs with one key
	o := OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	o.NATSURL, o.Redis = natsURL, rdb
	o.NotifyBackoff = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond}
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

// alertList answers GET /api/v1/alerts with query q as "rule camera state".
func alertList(base, q string) ([]string, error) {
	code, body, err := getBody(base + "/api/v1/alerts?" + q)
	if err != nil || code != 200 {
		return nil, fmt.Errorf("list alerts: %d %v %s", code, err, body)
	}
	var list struct {
		Alerts []alerts.Alert `json:"alerts"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		return nil, err
	}
	out := []string{}
	for _, a := range list.Alerts {
		out = append(out, fmt.Sprintf("%s %s %s", a.Rule, a.Camera, a.State))
	}
	return out, nil
}

var signingKey struct {
	once sync.Once
	path string
	err  error
}

// sharedSigningKey is one transition signing key for every replica in
// this test binary, as a deployment shares alerts.signing_key.
func sharedSigningKey(t testing.TB) string {
	t.Helper()
	signingKey.once.Do(func() {
		dir, err := os.MkdirTemp("", "camwatch-signing-")
		if err != nil {
			signingKey.err = err
			return
		}
		k, err := signing.GenerateKey()
		if err != nil {
			signingKey.err = err
			return
		}
		signingKey.path = filepath.Join(dir, "alerts.key")
		signingKey.err = signing.WriteKey(signingKey.path, k)
	})
	if signingKey.err != nil {
		t.Fatal(signingKey.err)
	}
	return signingKey.path
}

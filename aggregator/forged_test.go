package aggregator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// sseFrames reads raw SSE frames (the lines of one event) until the test
// ends.
type sseFrames struct {
	mu     sync.Mutex
	frames [][]string
}

func rawFeed(t *testing.T, base string) *sseFrames {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/alerts/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("SSE: %v %v", resp, err)
	}
	f := &sseFrames{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		var cur []string
		for sc.Scan() {
			if sc.Text() == "" {
				if len(cur) > 0 && !strings.HasPrefix(cur[0], ":") {
					f.mu.Lock()
					f.frames = append(f.frames, cur)
					f.mu.Unlock()
				}
				cur = nil
				continue
			}
			cur = append(cur, sc.Text())
		}
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-done })
	return f
}

func (f *sseFrames) all() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.frames...)
}

// TestForgedTransitionsNotDelivered publishes alert transitions on the
// alerts stream as someone other than the evaluating aggregator would
// (NATS lets only the aggregator's user publish there; this is a stolen
// credential): unsigned, signed by another key, or altered after signing.
// None reaches the webhook or the live feed; each is counted. A genuine
// transition whose fields carry CR/LF and SSE field names arrives as one
// SSE frame with its text intact, and cannot inject a frame.
func TestForgedTransitionsNotDelivered(t *testing.T) {
	natsURL := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	hook := newWebhook(t)
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Redis.Prefix = prefix
	cfg.Alerts.Rules, cfg.Alerts.Receivers = "testdata/e2e-offline.yaml", "testdata/e2e-receivers.yaml"
	cfg.Alerts.SigningKey = sharedSigningKey(t)
	reg := prometheus.NewRegistry()
	o := OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), reg)
	o.NATSURL, o.Redis = natsURL, rdb
	o.NotifyBackoff = []time.Duration{100 * time.Millisecond}
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	authorize(t, a)
	base := "http://" + a.Addr()
	feed := rawFeed(t, base)

	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	key, err := signing.LoadKey(cfg.Alerts.SigningKey)
	if err != nil {
		t.Fatal(err)
	}
	thief, _ := signing.GenerateKey()
	now := time.Now().UTC()
	tr := func(id, cam string) alerts.Transition {
		return alerts.Transition{ID: id + "/firing", Kind: alerts.TransitionFiring, At: now, Notify: []string{"webhook"},
			Alert: alerts.Alert{ID: id, Key: "cam-offline/q1/" + cam, Rule: "cam-offline", Site: "q1", Camera: cam, State: alerts.StateFiring, FiredAt: now}}
	}
	publish := func(t *testing.T, x alerts.Transition, data []byte, sig string) {
		t.Helper()
		if data == nil {
			data, _ = json.Marshal(x)
		}
		m := nats.NewMsg(alerts.Subject(&x))
		m.Data = data
		if sig != "" {
			m.Header.Set(signing.Header, sig)
		}
		if _, err := js.PublishMsg(context.Background(), m, jetstream.WithMsgID(x.ID)); err != nil {
			t.Fatal(err)
		}
	}
	forged := []struct {
		name string
		sign func(data []byte) (payload []byte, sig string)
	}{
		{"unsigned", func(d []byte) ([]byte, string) { return d, "" }},
		{"signed by another key", func(d []byte) ([]byte, string) { return d, thief.Sign(d) }},
		{"altered after signing", func(d []byte) ([]byte, string) {
			return []byte(strings.Replace(string(d), `"cam-offline"`, `"cam-offline "`, 1)), key.Sign(d)
		}},
	}
	for i, c := range forged {
		x := tr(fmt.Sprintf("forged-%d", i), fmt.Sprintf("cam-forged-%d", i))
		data, _ := json.Marshal(x)
		payload, sig := c.sign(data)
		publish(t, x, payload, sig)
	}
	// A genuine transition (signed with the aggregator's key) whose text
	// fields hold newlines and SSE field names, encoded with raw newlines
	// between its JSON tokens.
	inject := "quiet\r\n\r\nevent: resolved\ndata: {\"id\":\"evil\"}\nid: 999999\n\n"
	genuine := tr("genuine", "cam-genuine")
	genuine.Suppressed, genuine.Alert.Suppressed = inject, inject
	genuine.Notify = nil
	data, _ := json.MarshalIndent(genuine, "", "\n")
	publish(t, genuine, data, key.Sign(data))

	testenv.Eventually(t, 10*time.Second, func() error {
		if n := len(feed.all()); n < 1 {
			return fmt.Errorf("%d frames", n)
		}
		return nil
	})
	// Give the feed and the notifier time to have handled the forged ones:
	// they precede the genuine transition on the stream.
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := metricSum(t, reg, "camwatch_notifications_failed_total", "reason", "signature"); n != 3 {
			return fmt.Errorf("notifier refused %v forged transitions, want 3", n)
		}
		if n := metricSum(t, reg, "camwatch_alert_feed_refused_total", "reason", "signature"); n != 3 {
			return fmt.Errorf("feed refused %v forged transitions, want 3", n)
		}
		return nil
	})
	frames := feed.all()
	if len(frames) != 1 {
		t.Fatalf("SSE frames %q, want the genuine transition only", frames)
	}
	fr := frames[0]
	if len(fr) != 3 || !strings.HasPrefix(fr[0], "id: ") || fr[1] != "event: firing" || !strings.HasPrefix(fr[2], "data: ") {
		t.Fatalf("frame %q: want exactly id, event, data", fr)
	}
	var got alerts.Transition
	if err := json.Unmarshal([]byte(strings.TrimPrefix(fr[2], "data: ")), &got); err != nil || got.Suppressed != inject || got.Alert.Camera != "cam-genuine" {
		t.Errorf("data %q: %v; want the transition with its text intact", fr[2], err)
	}
	if acc, _, _, _ := hook.snapshot(); len(acc) != 0 {
		t.Errorf("webhook received %v", acc)
	}
}

// metricSum adds up the series of name whose label has value.
func metricSum(t *testing.T, g prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

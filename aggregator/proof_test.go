package aggregator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestProofOfflineCameraAlertsOnceAndDownReceiverGetsEachOnce is the
// alerts proof, with real parts: simcam serves a camera, an edge agent
// watches it and publishes to JetStream, and two aggregator replicas share
// Redis and NATS, both evaluating (one leads) and both delivering webhooks
// from the same durable consumer. The camera is switched off for 5 s while
// the webhook receiver answers 503. Expected: one firing and one resolved,
// on the API and on the SSE feeds of both replicas; once the receiver is
// back it gets each notification exactly once
// (by Idempotency-Key), in order, signed; and the sent firing is reported
// to the evaluator, so its cooldown starts from it.
func TestProofOfflineCameraAlertsOnceAndDownReceiverGetsEachOnce(t *testing.T) {
	natsURL := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	hook := newWebhook(t)
	sim := startSim(t, simcam.Camera{ID: "cam-off", Clip: "static-320x240"})

	a1 := startAlerting(t, natsURL, rdb, prefix, "testdata/e2e-offline.yaml", "testdata/e2e-receivers.yaml")
	a2 := startAlerting(t, natsURL, rdb, prefix, "testdata/e2e-offline.yaml", "testdata/e2e-receivers.yaml")
	feeds := []*feed{watch(t, "http://"+a1.Addr()), watch(t, "http://"+a2.Addr())}

	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	online := make(chan struct{}, 16)
	sub, err := nc.Subscribe("camwatch.events.q1.edge-1.cam-off.health", func(m *nats.Msg) {
		if ev, err := event.Decode(m.Data); err == nil && ev.Health.Status == event.StatusOnline {
			online <- struct{}{}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	startEdge(t, natsURL, edge.Camera{ID: "cam-off", URL: sim.URL("cam-off"), Labels: event.Labels{Program: "proof"}})
	select {
	case <-online:
	case <-time.After(15 * time.Second):
		t.Fatal("camera never reported online")
	}

	hook.setDown(true)
	if err := sim.Fault("cam-off", simcam.Fault{Kind: simcam.FaultOffline, For: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	want := []string{"cam-offline firing", "cam-offline resolved"}
	for _, f := range feeds {
		testenv.Eventually(t, 30*time.Second, func() error {
			if got := f.of("cam-off"); !slices.Equal(got, want) {
				return fmt.Errorf("SSE feed has %q, want %q", got, want)
			}
			return nil
		})
	}
	// The receiver was down for the whole outage; it has been tried.
	if got, _, refused, _ := hook.snapshot(); len(got) != 0 || refused == 0 {
		t.Fatalf("while down the receiver accepted %v and refused %d, want nothing accepted and some refused", got, refused)
	}
	hook.setDown(false)

	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	testenv.Eventually(t, 20*time.Second, func() error {
		got, _, _, _ := hook.snapshot()
		if len(got) < 2 {
			return fmt.Errorf("receiver has %v", got)
		}
		c, err := js.Consumer(ctx, alerts.StreamName, "notify-webhook")
		if err != nil {
			return err
		}
		info, err := c.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending+uint64(info.NumAckPending) != 0 {
			return fmt.Errorf("notify consumer: %d pending, %d unacked", info.NumPending, info.NumAckPending)
		}
		return nil
	})
	got, kinds, _, badSig := hook.snapshot()
	for key, n := range got {
		if n != 1 {
			t.Errorf("receiver got %s %d times", key, n)
		}
	}
	if len(got) != 2 || !slices.Equal(kinds, []string{"firing", "resolved"}) || badSig != 0 {
		t.Errorf("receiver accepted %v in order %v with %d bad signatures; want one firing then one resolved, all signed",
			slices.Sorted(maps.Keys(got)), kinds, badSig)
	}

	base := "http://" + a2.Addr()
	if open, err := alertList(base, "camera=cam-off"); err != nil || len(open) != 0 {
		t.Errorf("open alerts %v, %v; want none", open, err)
	}
	if resolved, err := alertList(base, "state=resolved&camera=cam-off"); err != nil ||
		!slices.Equal(resolved, []string{"cam-offline cam-off resolved"}) {
		t.Errorf("resolved alerts %v, %v; want one", resolved, err)
	}
	// The firing's send reached the evaluator (cooldown from sends).
	key := alerts.CameraKey("cam-offline", "q1", "cam-off")
	testenv.Eventually(t, 10*time.Second, func() error {
		st, err := a1.Alerts().Store().Load(ctx)
		if err != nil {
			return err
		}
		if st.Engine == nil || st.Engine.LastNotified[key].IsZero() {
			return errors.New("no sent notification recorded")
		}
		return nil
	})
	leaders := 0
	for _, a := range []*Aggregator{a1, a2} {
		if a.Alerts().Leading() {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d replicas lead the alerts evaluation, want 1", leaders)
	}
	for i, f := range feeds {
		if got := f.of("cam-off"); !slices.Equal(got, want) {
			t.Errorf("SSE feed of replica %d ends with %q, want %q", i+1, got, want)
		}
	}
}

// TestProofMotionAlertsOnlyInArmedWindow plays the walk clip (motion 6 s
// to 12 s into each 20 s loop) through the edge's detector. Two rules
// watch the camera, identical but for their schedule: one armed now, one
// armed two hours from now (both computed from the clock, in the rules'
// time zone). Only the armed one fires; the other would have fired on the
// same tick without its schedule, and stays silent through the whole
// motion alert until it resolves.
func TestProofMotionAlertsOnlyInArmedWindow(t *testing.T) {
	natsURL := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	loc, err := time.LoadLocation(alerts.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	window := func(from, to time.Duration) string {
		return now.Add(from).Format("15:04") + "-" + now.Add(to).Format("15:04")
	}
	rules := fmt.Sprintf(`timezone: %s
rules:
  - id: motion-armed
    trigger: {type: motion, min_duration: 500ms, group: 2s}
    match: {cameras: [cam-walk]}
    schedule: {windows: [%q]}
  - id: motion-outside
    trigger: {type: motion, min_duration: 500ms, group: 2s}
    match: {cameras: [cam-walk]}
    schedule: {windows: [%q]}
`, alerts.DefaultTimeZone, window(-time.Hour, time.Hour), window(2*time.Hour, 3*time.Hour))
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}

	sim := startSim(t, simcam.Camera{ID: "cam-walk", Clip: "walk-320x240"})
	a := startAlerting(t, natsURL, rdb, prefix, path, "")
	f := watch(t, "http://"+a.Addr())
	startEdge(t, natsURL, edge.Camera{ID: "cam-walk", URL: sim.URL("cam-walk"), Labels: event.Labels{Program: "proof"},
		Detect: &detect.Config{Kind: detect.Compressed, Compressed: motion.Config{Sensitivity: 5, MinDuration: 400 * time.Millisecond, PostRoll: time.Second}}})

	want := []string{"motion-armed firing", "motion-armed resolved"}
	testenv.Eventually(t, 40*time.Second, func() error {
		got := f.of("cam-walk")
		if len(got) >= 2 {
			if !slices.Equal(got[:2], want) {
				t.Fatalf("SSE feed has %q, want it to start with %q", got, want)
			}
			return nil
		}
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "motion-outside") }) {
			t.Fatalf("the rule outside its window fired: %q", got)
		}
		return fmt.Errorf("SSE feed has %q, want %q", got, want)
	})
}

package edge

import (
	"context"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
	"github.com/prometheus/client_golang/prometheus"
)

func TestSnapshotBudget(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	clock := func() time.Time { return now }
	count := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x"}, []string{"result"})
	b := newBudget(8, clock, count) // 1000 B/s, burst 64 KiB (one large snapshot)
	for _, tc := range []struct {
		name    string
		advance time.Duration
		spend   int // forced (motion snapshot)
		allow   int
		want    bool
	}{
		{"a full bucket lets a thumbnail go", 0, 0, 64 << 10, true},
		{"empty after it", 0, 0, 10 << 10, false},
		{"refilled at the rate", 10 * time.Second, 0, 10_000, true},
		{"not more than the rate", 0, 0, 1, false},
		{"motion snapshots go anyway and leave a debt", 5 * time.Second, 20_000, 1, false},
		{"the debt is paid back before thumbnails go again", 14 * time.Second, 0, 1000, false},
		{"paid back", 2 * time.Second, 0, 1000, true},
		{"burst caps the refill", time.Hour, 0, 64<<10 + 1, false},
	} {
		now = now.Add(tc.advance)
		if tc.spend > 0 {
			b.spend(tc.spend)
		}
		if got := b.allow(tc.allow); got != tc.want {
			t.Errorf("%s: allow(%d) = %v, want %v (tokens %.0f)", tc.name, tc.allow, got, tc.want, b.tokens)
		}
	}
}

func TestThumbnailerSpacing(t *testing.T) {
	count := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x"}, []string{"result"})
	th := &thumbnailer{interval: time.Minute, budget: newBudget(1000, time.Now, count)}
	f := func() ([]byte, error) { return make([]byte, 1000), nil }
	t0 := time.Unix(2_000_000, 0)
	th.offer(t0, f)
	if th.take() == nil {
		t.Fatal("no first thumbnail")
	}
	th.offer(t0.Add(30*time.Second), f)
	if th.take() != nil {
		t.Error("a thumbnail before the interval")
	}
	th.sent(t0.Add(50*time.Second), 1000, false) // a motion snapshot restarts the clock
	th.offer(t0.Add(70*time.Second), f)
	if th.take() != nil {
		t.Error("a thumbnail 20 s after a motion snapshot")
	}
	th.offer(t0.Add(111*time.Second), f)
	if th.take() == nil {
		t.Error("no thumbnail an interval after the motion snapshot")
	}
	off := &thumbnailer{interval: -1, budget: th.budget}
	off.offer(t0, f)
	if off.take() != nil {
		t.Error("thumbnails off, still one")
	}
}

// TestSupervisorThumbnails: a camera with decoded frames sends a
// thumbnail with its first stats event online and then about every
// interval, each a JPEG of the camera's picture named by the stats event;
// with the budget spent, thumbnails wait and are counted.
func TestSupervisorThumbnails(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "th", Clip: "static-320x240"}}})
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	sink, snaps := newMemSink(), &memSnaps{byID: map[string][]byte{}}
	const every = 3 * time.Second
	sup, err := NewSupervisor(Camera{ID: "th", URL: sim.URL("th"), Detect: pixelTierConfig(true)},
		SupervisorOptions{Site: "s", Agent: "a", Timing: testTiming(), Sink: sink, Metrics: m, Snapshots: snaps,
			Thumbnails: Thumbnails{Interval: every}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); sup.Run(ctx) }()
	defer func() { cancel(); <-done; sup.Wait(); sink.checkValid(t) }()

	withThumb := func(ev *event.Event) bool { return ev.Kind == event.KindStats && ev.Snapshot != nil }
	first := sink.await(t, 20*time.Second, "a stats event with a thumbnail", withThumb)
	checkSnapshot(t, snaps, first)
	second := sink.await(t, 3*every+5*time.Second, "a second thumbnail", func(ev *event.Event) bool { return withThumb(ev) && ev.Seq > first.Seq })
	checkSnapshot(t, snaps, second)
	if gap := second.Time.Sub(first.Time); gap < every-time.Second {
		t.Errorf("thumbnails %s apart, want about %s", gap, every)
	}
	n := 0
	for _, ev := range sink.all() {
		if withThumb(ev) {
			n++
		}
	}
	if sent := counterValue(t, m.thumbnails.WithLabelValues("sent")); int(sent) != n {
		t.Errorf("camwatch_edge_thumbnails_total{result=sent} %v, stats events with thumbnails %d", sent, n)
	}
	// Spend the agent's budget: thumbnails wait, counted as "budget".
	sup.thumb.budget.spend(1 << 30)
	time.Sleep(2 * every)
	if counterValue(t, m.thumbnails.WithLabelValues("budget")) == 0 {
		t.Error("over budget, no thumbnail counted as skipped")
	}
}

package citysim

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestDay: a simulated day of 50 cameras is valid, numbered without gaps
// per camera and agent, in time order per camera, and at the rates asked.
func TestDay(t *testing.T) {
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	c := New(Options{Cameras: 50, CamerasPerAgent: 20, Start: start, Seed: 1})
	seq := map[string]uint64{}
	last := map[string]time.Time{}
	kinds := map[event.Kind]int{}
	for c.Now().Before(start.Add(24 * time.Hour)) {
		for _, e := range c.Step() {
			if err := e.Validate(); err != nil {
				t.Fatalf("invalid event %+v: %v", e, err)
			}
			key := e.Agent + "/" + e.Camera
			if e.Seq != seq[key]+1 {
				t.Fatalf("%s: seq %d after %d", key, e.Seq, seq[key])
			}
			if e.Time.Before(last[key]) {
				t.Fatalf("%s: %s before %s", key, e.Time, last[key])
			}
			seq[key], last[key] = e.Seq, e.Time
			kinds[e.Kind]++
		}
	}
	perCam := func(k event.Kind) float64 { return float64(kinds[k]) / 50 }
	for _, tc := range []struct {
		kind     event.Kind
		min, max float64
	}{
		{event.KindStats, 2880, 2880},
		{event.KindMotionStart, 200, 400}, // every ~4 min while online
		{event.KindHealth, 2, 8},          // ~2 outages: down and up
	} {
		if n := perCam(tc.kind); n < tc.min || n > tc.max {
			t.Errorf("%s: %.1f per camera-day, want %.0f..%.0f", tc.kind, n, tc.min, tc.max)
		}
	}
	if d := kinds[event.KindMotionStart] - kinds[event.KindMotionEnd]; d < 0 || d > 50 {
		t.Errorf("%d motion starts, %d ends", kinds[event.KindMotionStart], kinds[event.KindMotionEnd])
	}
	if n := kinds[event.KindHeartbeat]; n != 3*8640 {
		t.Errorf("%d heartbeats, want %d (3 agents every 10 s)", n, 3*8640)
	}
}

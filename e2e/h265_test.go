package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// TestH265Camera drives the built binaries with an H.265 camera served by
// simcam (x265, the default codec of many current cameras; issue 11): the
// API reports it online as h265 640x360 at 15 fps, the default detector
// (auto) finds the walker (the clip loops every 20 s, walker 6 to 12 s) and
// raises a pixel motion.start with a snapshot and its end, its static
// twin raises nothing over the same crossing, and neither camera is ever degraded (no undecodable, no
// detection_unavailable: round 1 refused every H.265 access unit).
func TestH265Camera(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	t0 := time.Now()
	s := startSystemWith(t, setup{cameras: []camSpec{
		{"cam-h265-walk", "walk-640x360-h265"},
		{"cam-h265-static", "static-640x360-h265"},
	}})
	testenv.Eventually(t, 30*time.Second, func() error {
		cams, err := s.cameras()
		if err != nil {
			return err
		}
		for _, id := range []string{"cam-h265-walk", "cam-h265-static"} {
			if c := cams[id]; c.Status != "online" || c.Codec != "h265" || c.Width != 640 || c.FPS < 12 {
				return fmt.Errorf("camera %s: %+v", id, c)
			}
		}
		return nil
	})
	var start *event.Event
	testenv.Eventually(t, 50*time.Second, func() error {
		evs, err := s.events("cam-h265-walk", t0, "motion.start", "motion.end")
		if err != nil {
			return err
		}
		if len(evs) < 2 || evs[0].Kind != event.KindMotionStart || evs[1].Kind != event.KindMotionEnd {
			return fmt.Errorf("%d motion events so far, want a start and its end", len(evs))
		}
		start = &evs[0]
		return nil
	})
	if start.Motion == nil || start.Motion.Detector != "pixel" || start.Snapshot == nil {
		t.Errorf("motion.start %+v, want the pixel tier's with a snapshot", start)
	}
	for _, id := range []string{"cam-h265-walk", "cam-h265-static"} {
		evs, err := s.events(id, t0, "health", "stats")
		if err != nil {
			t.Fatal(err)
		}
		online := false // before its first frame a camera is "starting"
		for _, ev := range evs {
			h := ev.Health
			if h == nil {
				continue
			}
			online = online || h.Status == event.StatusOnline
			if online && (h.Status != event.StatusOnline || h.Reason != "" || strings.Contains(h.Detail, "refused")) {
				t.Errorf("%s: %s %s (%s) at %s", id, ev.Kind, h.Status, h.Reason, ev.Time.Format(time.RFC3339))
			}
		}
	}
	if quiet, err := s.events("cam-h265-static", t0, "motion.start"); err != nil || len(quiet) > 0 {
		t.Errorf("static H.265 camera: %d motion starts (%v)", len(quiet), err)
	}
	t.Logf("H.265 walker found %.1fs after the system started", start.Time.Sub(t0).Seconds())
}

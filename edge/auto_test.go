package edge

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
)

// TestDetectorAutoOnCBR: on a constant-bit-rate camera (25 kbit/s, the
// walk) frame sizes barely follow the walker, so a gate alone would stay
// shut; detector auto judges the stream rate-controlled from its own slice
// QPs, says so, keeps the decoder running and finds the walker.
func TestDetectorAutoOnCBR(t *testing.T) {
	// Not parallel with the other tests: heavy (H.265 at 640x360, several
	// streams), and the timing tests beside it would pay for it.
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "cbr", Clip: "../decode/testdata/cbr-walk-320x240.h264"}}})
	var logs logBuffer
	cfg := pixelTierConfig(true)
	cfg.Kind = detect.Auto
	r := startSupervisor(t, Camera{ID: "cbr", URL: sim.URL("cbr"), Detect: cfg}, testTiming(), logs.logger())
	defer r.stop()
	testenv.Eventually(t, 20*time.Second, func() error {
		if !strings.Contains(logs.String(), "detector auto: compressed signal unusable") {
			return errors.New("auto did not judge the stream rate-controlled")
		}
		return nil
	})
	judged := time.Now()
	// The clip loops every 20 s with the walker from 6 s to 12 s.
	r.sink.await(t, 30*time.Second, "pixel motion.start after the judgement", func(ev *event.Event) bool {
		return ev.Kind == event.KindMotionStart && ev.Motion.Detector == "pixel" && ev.Time.After(judged)
	})
}

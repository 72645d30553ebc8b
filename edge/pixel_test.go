package edge

import (
	"errors"
	"image"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/camwatch/camwatch/simcam"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// sidewalk is the lower half of the picture, where the walk clip's
// walker goes; sky is the top strip, which nothing crosses.
var testZones = []motion.Polygon{
	{Name: "sidewalk", Points: []motion.Point{{X: 0, Y: 0.5}, {X: 1, Y: 0.5}, {X: 1, Y: 1}, {X: 0, Y: 1}}},
	{Name: "sky", Points: []motion.Point{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 0.2}, {X: 0, Y: 0.2}}},
}

// pixelTierConfig is a pixel camera, or a gated one, with a short post-roll.
func pixelTierConfig(gate bool) *detect.Config {
	kind := detect.Pixel
	if gate {
		kind = detect.Gate
	}
	return &detect.Config{
		Kind:       kind,
		Compressed: motion.Config{Sensitivity: 5, MinDuration: 400 * time.Millisecond, PostRoll: 2 * time.Second},
		Pixel:      motion.PixelConfig{MinDuration: 400 * time.Millisecond, PostRoll: 2 * time.Second, Zones: testZones},
		FPS:        5, Width: 320,
	}
}

// dyingDecoder is a real decoder that dies once, after some access units,
// as a crashed or wedged decoder would.
type dyingDecoder struct {
	detect.Decoder
	calls *atomic.Int64
	after int64
}

var errDied = errors.New("decoder died")

func (d dyingDecoder) Decode(au []byte, t time.Time) (motion.Frame, bool, error) {
	if d.calls.Add(1) == d.after {
		return motion.Frame{}, false, errDied
	}
	return d.Decoder.Decode(au, t)
}

// TestSupervisorPixel plays the walk and static clips to pixel cameras:
// the walk yields a pixel motion.start in the ground truth interval with
// the sidewalk zone (and not the sky) and its motion.end; static yields
// none. A gated camera on the walk clip reports the same interval while
// its gate on the static clip decodes only keyframes. A camera whose
// decoder dies is reported (health detail, restart metric) and still
// detects the walker.
func TestSupervisorPixel(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{
		{ID: "walk", Clip: "walk-320x240"}, {ID: "still", Clip: "static-320x240"},
		{ID: "gwalk", Clip: "walk-320x240"}, {ID: "gstill", Clip: "static-320x240"},
		{ID: "dies", Clip: "walk-320x240"},
	}})
	truth, _ := simcam.LookupClip("walk-320x240")
	var calls atomic.Int64
	dying := func(cfg decode.Config) (detect.Decoder, error) {
		d, err := decode.New(cfg)
		if err != nil {
			return nil, err
		}
		return dyingDecoder{Decoder: d, calls: &calls, after: 10}, nil
	}
	walk := startSupervisor(t, Camera{ID: "walk", URL: sim.URL("walk"), Detect: pixelTierConfig(false)}, testTiming(), nil)
	still := startSupervisor(t, Camera{ID: "still", URL: sim.URL("still"), Detect: pixelTierConfig(false)}, testTiming(), nil)
	gwalk := startSupervisor(t, Camera{ID: "gwalk", URL: sim.URL("gwalk"), Detect: pixelTierConfig(true)}, testTiming(), nil)
	gstill := startSupervisor(t, Camera{ID: "gstill", URL: sim.URL("gstill"), Detect: pixelTierConfig(true)}, testTiming(), nil)
	dies := startSupervisor(t, Camera{ID: "dies", URL: sim.URL("dies"), Detect: pixelTierConfig(false), openDecoder: dying}, testTiming(), nil)
	for _, r := range []*running{walk, gwalk, dies} {
		end := r.sink.await(t, 25*time.Second, "motion.end", func(ev *event.Event) bool { return ev.Kind == event.KindMotionEnd })
		start, err := r.sink.find("motion.start", func(ev *event.Event) bool { return ev.Kind == event.KindMotionStart })
		if err != nil {
			t.Fatal(err)
		}
		cam := start.Camera
		if start.Seq >= end.Seq || !start.Motion.Started.Equal(end.Motion.Started) {
			t.Errorf("%s: start %+v and end %+v do not pair", cam, start.Motion, end.Motion)
		}
		from := start.Motion.Started.Sub(begin).Seconds()
		to := from + end.Motion.DurationS
		if from < truth.Motion[0][0]-0.5 || from > truth.Motion[0][0]+1.5 || to < truth.Motion[0][1]-1.5 || to > truth.Motion[0][1]+1.5 {
			t.Errorf("%s: motion %.1fs..%.1fs after the clip started, truth %v", cam, from, to, truth.Motion[0])
		}
		t.Logf("%s: pixel motion %.1fs..%.1fs, zones %v, peak %.2f", cam, from, to, end.Motion.Zones, end.Motion.Score)
		for _, ev := range []*event.Event{start, end} {
			if ev.Motion.Detector != "pixel" || ev.Motion.Score <= 0 || len(ev.Motion.Zones) != 1 || ev.Motion.Zones[0] != "sidewalk" {
				t.Errorf("%s: %s payload %+v, want pixel with zone sidewalk", cam, ev.Kind, ev.Motion)
			}
		}
	}
	restarted, err := dies.sink.find("restart health", func(ev *event.Event) bool {
		return ev.Kind == event.KindHealth && ev.Health != nil && strings.Contains(ev.Health.Detail, "pixel decoder restarted: decoder died")
	})
	if err != nil {
		t.Error(err)
	} else if restarted.Health.Status != event.StatusOnline {
		t.Errorf("decoder restart reported with status %s", restarted.Health.Status)
	}
	if n := counterValue(t, dies.det().Restarts); n != 1 {
		t.Errorf("restarts metric %v, want 1", n)
	}
	for _, r := range []*running{walk, still, gwalk, gstill, dies} {
		r.stop()
	}
	for _, r := range []*running{still, gstill} {
		for _, ev := range r.sink.all() {
			if ev.Motion != nil {
				t.Errorf("static clip produced %s at %.1fs", ev.Kind, ev.Time.Sub(begin).Seconds())
			}
		}
	}
	full := counterValue(t, still.det().Decoded)
	gated := counterValue(t, gstill.det().Decoded)
	t.Logf("static clip: %v access units decoded ungated, %v gated", full, gated)
	if full < 100 || gated > full/4 {
		t.Errorf("gated static camera decoded %v access units, ungated %v: want under a quarter", gated, full)
	}
	if n := counterValue(t, gstill.det().Frames); n == 0 {
		t.Error("gated static camera scored no frame (keyframes keep its background)")
	}
}

// TestSupervisorPixelH265 plays the H.265 walk clip to a pixel and a
// gated camera: parameter sets from the SDP and in band, IRAP keyframes
// (x265 codes IDR_N_LP), and an access unit that opens with an AUD. Both
// find the walker in the sidewalk zone and the decoder refuses nothing
// (round 1 refused every H.265 access unit).
func TestSupervisorPixelH265(t *testing.T) {
	// Not parallel with the other tests: heavy (H.265 at 640x360, several
	// streams), and the timing tests beside it would pay for it.
	begin := time.Now()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{
		{ID: "walk265", Clip: "walk-640x360-h265"}, {ID: "gwalk265", Clip: "walk-640x360-h265"},
	}})
	truth, _ := simcam.LookupClip("walk-640x360-h265")
	walk := startSupervisor(t, Camera{ID: "walk265", URL: sim.URL("walk265"), Detect: pixelTierConfig(false)}, testTiming(), nil)
	gwalk := startSupervisor(t, Camera{ID: "gwalk265", URL: sim.URL("gwalk265"), Detect: pixelTierConfig(true)}, testTiming(), nil)
	for _, r := range []*running{walk, gwalk} {
		end := r.sink.await(t, 30*time.Second, "motion.end", func(ev *event.Event) bool { return ev.Kind == event.KindMotionEnd })
		from := end.Motion.Started.Sub(begin).Seconds()
		if from < truth.Motion[0][0]-0.5 || from > truth.Motion[0][1] {
			t.Errorf("%s: motion from %.1fs after the clip started, truth %v", end.Camera, from, truth.Motion[0])
		}
		if end.Motion.Detector != "pixel" || len(end.Motion.Zones) != 1 || end.Motion.Zones[0] != "sidewalk" {
			t.Errorf("%s: motion %+v, want pixel in the sidewalk zone", end.Camera, end.Motion)
		}
	}
	walk.stop()
	gwalk.stop()
	for _, r := range []*running{walk, gwalk} {
		if n := counterValue(t, r.det().Errors); n != 0 {
			t.Errorf("%s: the decoder refused %v H.265 access units", r.sup.cam.ID, n)
		}
		if n := counterValue(t, r.det().Frames); n == 0 {
			t.Errorf("%s: no frame decoded", r.sup.cam.ID)
		}
		if r.sup.codec != "h265" || r.sup.width != 640 {
			t.Errorf("%s: codec %q width %d, want h265 640", r.sup.cam.ID, r.sup.codec, r.sup.width)
		}
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestOptionsMotionTiers maps each configured detector to the detection
// a supervisor runs.
func TestOptionsMotionTiers(t *testing.T) {
	for _, tc := range []struct {
		detector string
		kind     detect.Kind // "" for none
	}{
		{"compressed", detect.Compressed},
		{"pixel", detect.Pixel},
		{"gate", detect.Gate},
		{"auto", detect.Auto},
		{"''", detect.Auto}, // the default is auto
		{"off", ""},
	} {
		t.Run(tc.detector, func(t *testing.T) {
			yaml := "site: s1\nagent: a1\nnats: {url: 'nats://127.0.0.1:4222'}\nspool_dir: /tmp/x\n" +
				"cameras:\n  - id: c1\n    url: rtsp://h/x\n    motion: {detector: " + tc.detector +
				", detect_fps: 2, snapshot_width: 800, zones: [{name: door, points: [[0,0],[1,0],[1,1]]}]}\n"
			var c configs.Edge
			if err := configs.Parse([]byte(yaml), &c); err != nil {
				t.Fatal(err)
			}
			o := OptionsFromConfig(&c, nil, prometheus.NewRegistry())
			d := o.Cameras[0].Detect
			if tc.kind == "" {
				if d != nil {
					t.Fatalf("detector off, got %+v", d)
				}
				return
			}
			if d == nil || d.Kind != tc.kind || d.FPS != 2 || d.Width != 320 || d.SnapshotWidth != 800 ||
				len(d.Pixel.Zones) != 1 || d.Pixel.Zones[0].Name != "door" || d.Compressed.Sensitivity != 5 {
				t.Errorf("detection %+v", d)
			}
		})
	}
}

// refusingDecoder refuses every access unit, as a decoder fed a stream it
// cannot read.
type refusingDecoder struct{ closed *int }

func (refusingDecoder) Decode([]byte, time.Time) (motion.Frame, bool, error) {
	return motion.Frame{}, false, decode.ErrCorrupt
}
func (refusingDecoder) Reset()   {}
func (d refusingDecoder) Close() { *d.closed++ }
func (refusingDecoder) Picture(int) (*image.YCbCr, error) {
	return nil, decode.ErrNoPicture
}
func (refusingDecoder) Source() (int, int) { return 0, 0 }

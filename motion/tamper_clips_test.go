package motion

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/simcam"
)

// tamperFault turns a decoded clip into a faulty one from frame index
// `from` on, so every fault is judged on real decoded footage.
type tamperFault func(frames [][]byte, i, from, w, h int) []byte

func faultFrozen(frames [][]byte, i, from, _, _ int) []byte { return frames[from] }

func faultCovered(frames [][]byte, i, _, w, h int) []byte {
	// A hand over the lens: nearly black, a faint smooth glow and noise.
	out := make([]byte, w*h)
	for p := range out {
		out[p] = byte(8 + (p*7+i*13)%3 + p%w/64)
	}
	return out
}

func faultBlurred(frames [][]byte, i, _, w, h int) []byte {
	return boxBlur(boxBlur(frames[i], w, h, 3), w, h, 3)
}

func faultTurned(frames [][]byte, i, _, w, h int) []byte {
	// Turned away: another view, here the picture upside down and
	// shifted by 40 %.
	src, out := frames[i], make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx := (x + w*2/5) % w
			out[y*w+x] = src[(h-1-y)*w+sx]
		}
	}
	return out
}

// TestTamperRecordedClips runs the tamper detector over every committed
// clip played twice (no finding may be raised), and over each clip with
// each fault spliced in from its 8th second: the fault must be raised
// within 10 s and cleared within 10 s after the clip returns to normal.
func TestTamperRecordedClips(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: cannot decode the clips")
	}
	faults := []struct {
		name  string
		kind  TamperKind
		fault tamperFault
	}{
		{"frozen", TamperFrozen, faultFrozen},
		{"covered", TamperBlack, faultCovered},
		{"blurred", TamperBlurred, faultBlurred},
		{"turned", TamperSceneChange, faultTurned},
	}
	at := func(i int) time.Time { return pxT0.Add(time.Duration(i) * time.Second / detectFPS) }
	for _, info := range simcam.Clips() {
		frames, w, h := decodeGray(t, info)
		n := len(frames)
		t.Run(info.Name+"/normal", func(t *testing.T) {
			d := mustTamper(t, TamperConfig{})
			for i := range 2 * n {
				f := Frame{Width: w, Height: h, Gray: frames[i%n], Time: at(i)}
				for _, c := range d.Observe(f) {
					t.Errorf("frame %d: %s active=%v on a normal clip (%+v)", i, c.Kind, c.Active, d.Features())
				}
			}
		})
		for _, fc := range faults {
			t.Run(info.Name+"/"+fc.name, func(t *testing.T) {
				if (fc.kind == TamperBlack || fc.kind == TamperBlurred) && strings.HasPrefix(info.Name, "dark") {
					t.Skip("a dark street covered or blurred looks like itself: noise and nothing else")
				}
				d := mustTamper(t, TamperConfig{})
				from, to := 8*detectFPS, 20*detectFPS // fault from 8 s to 20 s
				var raised, cleared time.Time
				for i := range max(2*n, to+12*detectFPS) {
					g := frames[i%n]
					if i >= from && i < to {
						g = fc.fault(frames, i%n, from%n, w, h) // the faults read frames only
					}
					for _, c := range d.Observe(Frame{Width: w, Height: h, Gray: g, Time: at(i)}) {
						switch {
						case c.Kind != fc.kind:
							t.Errorf("frame %d: unexpected %s active=%v (%+v)", i, c.Kind, c.Active, d.Features())
						case c.Active && raised.IsZero():
							raised = c.At
						case !c.Active && cleared.IsZero():
							cleared = c.At
						default:
							t.Errorf("frame %d: %s active=%v again", i, c.Kind, c.Active)
						}
					}
				}
				if raised.IsZero() {
					t.Fatalf("%s never raised (%+v)", fc.kind, d.Features())
				}
				if lat := raised.Sub(at(from)); lat > 10*time.Second {
					t.Errorf("%s raised %s after it began, want within 10 s", fc.kind, lat)
				}
				if cleared.IsZero() {
					t.Fatalf("%s never cleared", fc.kind)
				}
				if lat := cleared.Sub(at(to)); lat < 0 || lat > 10*time.Second {
					t.Errorf("%s cleared %s after it ended, want within 10 s", fc.kind, lat)
				}
				t.Logf("%s: raised after %s, cleared after %s", fc.kind, raised.Sub(at(from)), cleared.Sub(at(to)))
			})
		}
	}
}

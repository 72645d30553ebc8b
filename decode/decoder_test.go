//go:build cgo

package decode

import (
	"errors"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/camwatch/camwatch/simcam"
)

// clipAUs returns a clip's access units and its frame interval.
func clipAUs(t testing.TB, name string, c Codec, fps int) [][]byte {
	t.Helper()
	var data []byte
	var err error
	if c == H265 {
		data, err = os.ReadFile("testdata/" + name)
	} else {
		data, err = simcam.ClipData(name)
	}
	if err != nil {
		t.Fatal(err)
	}
	aus := SplitAccessUnits(data, c)
	if len(aus) == 0 {
		t.Fatalf("%s: no access units", name)
	}
	return aus
}

func at(i, fps int) time.Time {
	return time.Unix(1e9, 0).Add(time.Duration(i) * time.Second / time.Duration(fps))
}

// mean is a frame's mean gray level.
func mean(g []byte) float64 {
	var s int
	for _, v := range g {
		s += int(v)
	}
	return float64(s) / float64(len(g))
}

// TestDecodeClips decodes whole clips at the detect rate: the frame
// count is the clip's length times the rate, sizes keep the aspect ratio,
// and the picture is neither black nor flat (the testsrc and the street
// scenes have a mid-gray mean).
func TestDecodeClips(t *testing.T) {
	for _, tc := range []struct {
		name          string
		clip          string
		codec         Codec
		fps, frames   int
		cfg           Config
		w, h          int
		minMean, maxM float64
	}{
		{"walk 640x360 to 320", "walk-640x360", H264, 15, 300, Config{}, 320, 180, 40, 220},
		{"static 320x240 kept", "static-320x240", H264, 15, 300, Config{}, 320, 240, 40, 220},
		{"walk at 2 fps, 160 wide", "walk-640x360", H264, 15, 300, Config{FPS: 2, Width: 160}, 160, 90, 40, 220},
		{"dark clip is dark", "dark-640x360", H264, 15, 300, Config{}, 320, 180, 0, 60},
		{"h265 testsrc", "testsrc-320x240.h265", H265, 15, 45, Config{Codec: H265}, 320, 240, 40, 220},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aus := clipAUs(t, tc.clip, tc.codec, tc.fps)
			if len(aus) != tc.frames {
				t.Fatalf("%d access units, want %d", len(aus), tc.frames)
			}
			cfg := tc.cfg
			cfg.Codec = tc.codec
			d, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			fps := cfg.FPS
			if fps == 0 {
				fps = DefaultFPS
			}
			n := 0
			var last time.Time
			for i, au := range aus {
				f, ok, err := d.Decode(au, at(i, tc.fps))
				if err != nil {
					t.Fatalf("access unit %d: %v", i, err)
				}
				if !ok {
					continue
				}
				n++
				if f.Width != tc.w || f.Height != tc.h || len(f.Gray) != tc.w*tc.h {
					t.Fatalf("frame %dx%d (%d bytes), want %dx%d", f.Width, f.Height, len(f.Gray), tc.w, tc.h)
				}
				if m := mean(f.Gray); m < tc.minMean || m > tc.maxM {
					t.Errorf("frame %d mean gray %.1f, want %.0f..%.0f", n, m, tc.minMean, tc.maxM)
				}
				if !last.IsZero() && f.Time.Sub(last) < time.Duration(float64(time.Second)/fps)-time.Second/time.Duration(tc.fps) {
					t.Errorf("frames %s apart, faster than %g fps", f.Time.Sub(last), fps)
				}
				last = f.Time
			}
			want := int(float64(len(aus)) / float64(tc.fps) * fps)
			if n < want-1 || n > want+1 {
				t.Errorf("%d frames out, want %d±1", n, want)
			}
			if s := d.Stats(); s.In != uint64(len(aus)) || s.Out != uint64(n) || s.Errors != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestDecodeCorrupt feeds damaged input after a good start: each case
// errors (wrapping ErrCorrupt) without a panic, and the decoder delivers
// frames again from the next keyframe.
func TestDecodeCorrupt(t *testing.T) {
	aus := clipAUs(t, "walk-320x240", H264, 15)
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4000)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	for _, tc := range []struct {
		name string
		bad  func(au []byte) []byte
	}{
		{"random bytes", func([]byte) []byte { return random }},
		{"random bytes behind a start code", func([]byte) []byte { return append([]byte{0, 0, 0, 1, 0x41}, random...) }},
		{"truncated slice", func(au []byte) []byte { return au[:len(au)/3] }},
		{"slice payload garbled", func(au []byte) []byte {
			b := append([]byte(nil), au...)
			for i := len(b) / 4; i < len(b); i++ {
				b[i] = byte(rng.UintN(256))
			}
			return b
		}},
		{"empty", func([]byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(Config{FPS: 15})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			const badAt = 40 // mid-GOP (keyframes every 30)
			errs, afterKey := 0, 0
			for i, au := range aus[:120] {
				if i == badAt {
					au = tc.bad(au)
				}
				_, ok, err := d.Decode(au, at(i, 15))
				if err != nil {
					if !errors.Is(err, ErrCorrupt) {
						t.Fatalf("access unit %d: %v does not wrap ErrCorrupt", i, err)
					}
					errs++
				}
				if i >= 60 && ok {
					afterKey++
				}
				if i > badAt && i < 60 && ok {
					t.Errorf("frame out at %d before the next keyframe", i)
				}
			}
			if errs == 0 {
				t.Error("no error reported")
			}
			if afterKey < 55 {
				t.Errorf("%d frames after the next keyframe, want 60", afterKey)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"codec", Config{Codec: "vp8"}},
		{"fps", Config{FPS: -1}},
		{"width", Config{Width: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v, want ErrConfig", err)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close()
	if _, _, err := d.Decode([]byte{0, 0, 1, 0x65, 0x88}, time.Now()); !errors.Is(err, ErrClosed) {
		t.Fatalf("error %v, want ErrClosed", err)
	}
}

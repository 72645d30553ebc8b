package detect

import (
	"bytes"
	"image"
	"image/jpeg"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/motion"
)

const simClips = "../simcam/testdata/clips/"

// defaults is a camera's detection with the shipped settings and kind.
func defaults(t testing.TB, kind Kind) Config {
	t.Helper()
	var m configs.Motion
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Detector = string(kind)
	c, ok := FromMotion(m)
	if !ok {
		t.Fatal("detector off")
	}
	return c
}

func readClip(t *testing.T, path string) Clip {
	t.Helper()
	codec := decode.H264
	if strings.HasSuffix(path, ".h265") {
		codec = decode.H265
	}
	c, err := ReadClip(path, codec, 15)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// refusing refuses every access unit, as a decoder fed a stream it cannot
// read.
type refusing struct{ closed *int }

func (refusing) Decode([]byte, time.Time) (motion.Frame, bool, error) {
	return motion.Frame{}, false, decode.ErrCorrupt
}
func (refusing) Picture(int) (*image.YCbCr, error) { return nil, decode.ErrNoPicture }
func (refusing) Source() (int, int)                { return 0, 0 }
func (refusing) Reset()                            {}
func (d refusing) Close()                          { *d.closed++ }

// TestDecoderRestart: refused access units are counted; five in a row
// restart the decoder (closed, reopened, reported once per restart), and
// the refusal shows in the status from the first one.
func TestDecoderRestart(t *testing.T) {
	opened, closed := 0, 0
	open := func(decode.Config) (Decoder, error) { opened++; return refusing{&closed}, nil }
	m := Metrics{}
	m.fill()
	p, err := New(defaults(t, Pixel), Options{Open: open, Metrics: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(decode.H264, nil)
	restarts := 0
	t0 := time.Unix(100, 0)
	for i := range 12 {
		r := p.Feed(Unit{AU: []byte{0, 0, 0, 1, 0x65, 0x88}, At: t0.Add(time.Duration(i) * time.Second)})
		if len(r.Motion) > 0 {
			t.Error("a refusing decoder produced motion")
		}
		if strings.Contains(r.Decoder, "pixel decoder restarted") {
			restarts++
		}
	}
	if opened != 3 || closed != 2 || restarts != 2 {
		t.Errorf("opened %d, closed %d, reported %d restarts: want 3, 2, 2 (restarted after 5 and 10 refusals)", opened, closed, restarts)
	}
	if st := p.Status(); !st.RefusedSince.Equal(t0) || st.RefusedErr == "" {
		t.Errorf("status %+v, want refused since %v", st, t0)
	}
}

// TestGatePreRoll: a gated camera decodes from where it stopped when the
// gate opens again, so a walker is found from their first frames even
// when the gate shut in the middle of a GOP (the walk-fast clip: a walker
// 3-5 s and 10-12 s, two GOPs apart). A restart of the decoder at every
// opening lost that pre-roll until the next keyframe, a second late.
func TestGatePreRoll(t *testing.T) {
	for _, kind := range []Kind{Gate, Auto} {
		t.Run(string(kind), func(t *testing.T) {
			p, err := New(defaults(t, kind), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			clip := readClip(t, "../quality/testdata/clips/walk-fast.h264")
			p.Start(clip.Codec, nil)
			o := time.Unix(0, 0)
			var starts []float64
			clip.Play(p, o, 2, func(_ time.Time, r *Result) {
				for _, tr := range r.Motion {
					if tr.Kind == motion.Start {
						starts = append(starts, tr.Started.Sub(o).Seconds())
					}
				}
			})
			loop := clip.Duration().Seconds()
			var scored []float64
			for _, s := range starts {
				if s >= loop {
					scored = append(scored, s-loop)
				}
			}
			if len(scored) != 2 || scored[0] > 3.4 || scored[1] > 10.4 {
				t.Errorf("second loop's walks start at %v s, want 2 within 0.4 s of 3 and 10", scored)
			}
		})
	}
}

// TestSnapshotColour: snapshots are colour JPEGs of the decoded picture
// at the stream's width or the configured one, under the byte limit.
func TestSnapshotColour(t *testing.T) {
	cases := []struct {
		name          string
		width, limit  int
		wantW, wantH  int
		clip          string
		compressedErr bool
	}{
		{name: "the stream's resolution", clip: "walk-640x360.h264", wantW: 640, wantH: 360},
		{name: "a configured width", clip: "walk-640x360.h264", width: 320, wantW: 320, wantH: 180},
		{name: "never wider than the stream", clip: "walk-320x240.h264", width: 1280, wantW: 320, wantH: 240},
		{name: "over the limit: half the width", clip: "walk-640x360.h264", limit: 15000, wantW: 320, wantH: 180},
		{name: "H.265", clip: "walk-640x360.h265", wantW: 640, wantH: 360},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := defaults(t, Pixel)
			cfg.SnapshotWidth = tc.width
			p, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if _, err := p.Snapshot(0); err == nil {
				t.Error("a snapshot before any frame")
			}
			clip := readClip(t, simClips+tc.clip)
			p.Start(clip.Codec, nil)
			clip.Units = clip.Units[:100] // the walker is in from 6 s; the sky is blue from the start
			clip.Play(p, time.Unix(0, 0), 1, nil)
			b, err := p.Snapshot(tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tc.limit > 0 && len(b) > tc.limit {
				t.Errorf("%d bytes, limit %d", len(b), tc.limit)
			}
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() != tc.wantW || r.Dy() != tc.wantH {
				t.Errorf("%dx%d, want %dx%d", r.Dx(), r.Dy(), tc.wantW, tc.wantH)
			}
			ycc, ok := img.(*image.YCbCr)
			if !ok {
				t.Fatalf("a %T, want colour (YCbCr)", img)
			}
			// The street's sky (0x9fb4c8) is blue: Cb well above neutral.
			sky := ycc.Cb[ycc.COffset(tc.wantW/2, tc.wantH/20)]
			if sky < 135 {
				t.Errorf("sky Cb %d: not the colour picture", sky)
			}
			t.Logf("%d bytes", len(b))
		})
	}
	p, err := New(defaults(t, Compressed), Options{})
	if err != nil {
		t.Fatal(err)
	}
	clip := readClip(t, simClips+"walk-320x240.h264")
	p.Start(clip.Codec, nil)
	clip.Play(p, time.Unix(0, 0), 1, nil)
	if _, err := p.Snapshot(0); err == nil {
		t.Error("the compressed detector took a snapshot: it decodes nothing")
	}
}

// TestKeyframesOnly: a stream larger than the decode bound is decoded on
// its keyframes only, says so in the status, and still finds the walker
// (on keyframes, two seconds apart).
func TestKeyframesOnly(t *testing.T) {
	cfg := defaults(t, Pixel)
	cfg.MaxDecodePixels = 320*240 - 1
	p, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	clip := readClip(t, simClips+"walk-320x240.h264")
	p.Start(clip.Codec, nil)
	decoded, keys, found := 0, 0, false
	for _, u := range clip.Units {
		if decode.Keyframe(u, clip.Codec) {
			keys++
		}
	}
	clip.Play(p, time.Unix(0, 0), 3, func(_ time.Time, r *Result) {
		decoded += r.Decoded
		for _, tr := range r.Motion {
			found = found || tr.Kind == motion.Start
		}
	})
	if st := p.Status(); !strings.Contains(st.KeyframesOnly, "320x240 stream: detecting on keyframes only") {
		t.Errorf("status %+v does not say so", st)
	}
	// The first unit decoded whole is the one that showed the size.
	if decoded > 3*keys+1 {
		t.Errorf("decoded %d access units, want at most the %d keyframes (+1)", decoded, 3*keys)
	}
	if !found {
		t.Error("the walker was not found on keyframes")
	}
}

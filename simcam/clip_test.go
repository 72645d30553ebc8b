package simcam

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
)

func TestBuiltInClipsMatchTheirDescription(t *testing.T) {
	want := []string{"static-640x360", "walk-640x360", "dark-640x360", "static-320x240", "walk-320x240", "dark-320x240", "busy-640x360",
		"static-640x360-h265", "walk-640x360-h265"}
	var got []string
	for _, info := range Clips() {
		got = append(got, info.Name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Clips() = %v, want %v", got, want)
	}
	for _, info := range Clips() {
		t.Run(info.Name, func(t *testing.T) {
			c, err := loadClip(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			w, h := 0, 0
			if c.hevc {
				var sps h265.SPS
				if err := sps.Unmarshal(c.sps); err != nil {
					t.Fatalf("SPS: %v", err)
				}
				w, h = sps.Width(), sps.Height()
			} else {
				var sps h264.SPS
				if err := sps.Unmarshal(c.sps); err != nil {
					t.Fatalf("SPS: %v", err)
				}
				w, h = sps.Width(), sps.Height()
			}
			if w != info.Width || h != info.Height {
				t.Errorf("SPS says %dx%d, clips.json %dx%d", w, h, info.Width, info.Height)
			}
			if n, want := len(c.frames), int(float64(info.FPS)*info.Seconds); n < want-1 || n > want+1 {
				t.Errorf("%d frames, want %d", n, want)
			}
			for i, f := range c.frames {
				if f.idr != (i%30 == 0) {
					t.Fatalf("frame %d: idr=%v, want an IDR every 30 frames exactly", i, f.idr)
				}
				slices := 0
				for _, n := range f.nalus {
					switch kindOf(n, c.hevc) {
					case kindSlice, kindKey:
						slices++
					case kindAUD, kindSEI:
						t.Fatalf("frame %d keeps an AUD or SEI", i)
					}
				}
				if slices != 1 {
					t.Fatalf("frame %d has %d slices, want 1", i, slices)
				}
			}
		})
	}
}

// The walk clips' ground truth must hold: with constant-quality encoding,
// P-frames are clearly bigger while the shape moves and small otherwise.
func TestWalkClipsMoveOnlyInTheirInterval(t *testing.T) {
	for _, info := range Clips() {
		if len(info.Motion) == 0 {
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			c, err := loadClip(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			var in, out, nin, nout float64
			for i, f := range c.frames {
				if f.idr {
					continue
				}
				sec := float64(i) / float64(info.FPS)
				size := float64(len(flat(f.nalus)))
				moving := false
				for _, iv := range info.Motion {
					moving = moving || (sec >= iv[0]+0.2 && sec < iv[1]-0.2)
				}
				if moving {
					in, nin = in+size, nin+1
				} else {
					out, nout = out+size, nout+1
				}
			}
			if in/nin < 1.5*out/nout {
				t.Errorf("mean P-frame %.0f B in the motion interval, %.0f B outside: want a clear rise", in/nin, out/nout)
			}
		})
	}
}

func TestParseClip(t *testing.T) {
	sps := []byte{0x67, 0x4d, 0x00, 0x1e}
	pps := []byte{0x68, 0xee}
	idr := []byte{0x65, 0x88, 0x80}
	p1 := []byte{0x41, 0x9a, 0x01}
	aud := []byte{0x09, 0xf0}
	sc4, sc3 := []byte{0, 0, 0, 1}, []byte{0, 0, 1}
	join := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	cases := []struct {
		name       string
		in         []byte
		wantFrames int
		wantIDR0   bool
		wantErr    error
	}{
		{name: "AUD delimited", in: join(sc4, aud, sc4, sps, sc4, pps, sc4, idr, sc4, aud, sc4, p1, sc4, aud, sc4, p1), wantFrames: 3, wantIDR0: true},
		{name: "no AUD, 3-byte start codes", in: join(sc3, sps, sc3, pps, sc3, idr, sc3, p1, sc3, p1), wantFrames: 3, wantIDR0: true},
		{name: "trailing zeros", in: join(sc4, sps, sc4, pps, sc4, idr, []byte{0, 0}, sc4, p1, []byte{0}), wantFrames: 2, wantIDR0: true},
		{name: "leading P-frames dropped", in: join(sc4, p1, sc4, sps, sc4, pps, sc4, idr, sc4, p1), wantFrames: 2, wantIDR0: true},
		{name: "no IDR", in: join(sc4, sps, sc4, pps, sc4, p1), wantErr: ErrBadClip},
		{name: "no SPS", in: join(sc4, idr, sc4, p1), wantErr: ErrBadClip},
		{name: "empty", in: nil, wantErr: ErrBadClip},
		{name: "no start code", in: []byte("hello, not video"), wantErr: ErrBadClip},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseClip(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if len(c.frames) != tc.wantFrames || c.frames[0].idr != tc.wantIDR0 {
				t.Errorf("%d frames (first idr=%v), want %d (%v)", len(c.frames), c.frames[0].idr, tc.wantFrames, tc.wantIDR0)
			}
		})
	}
}

func TestParseClipNeverPanics(t *testing.T) {
	b, err := ClipData("walk-320x240")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		in := slices.Clone(b[:r.IntN(4000)])
		for range 20 {
			if len(in) > 0 {
				in[r.IntN(len(in))] = byte(r.IntN(256))
			}
		}
		_, _ = parseClip(in)
	}
}

func TestClipReferences(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.h264")
	if err := os.WriteFile(garbage, []byte("not h264"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, ref string
		wantErr   error
	}{
		{name: "built in", ref: "dark-320x240"},
		{name: "file", ref: shortClip(t, "dark-320x240", 30)},
		{name: "unknown name", ref: "sunset-4k", wantErr: ErrUnknownClip},
		{name: "missing file", ref: filepath.Join(dir, "nope.h264"), wantErr: ErrUnknownClip},
		{name: "not video", ref: garbage, wantErr: ErrBadClip},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(t.Context(), Options{Listen: "127.0.0.1:0", Cameras: []Camera{{ID: "cam", Clip: tc.ref}}})
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Start with clip %q: %v, want %v", tc.ref, err, tc.wantErr)
			}
		})
	}
}

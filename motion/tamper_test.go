package motion

import (
	"errors"
	"testing"
	"time"
)

func mustTamper(t *testing.T, cfg TamperConfig) *TamperDetector {
	t.Helper()
	d, err := NewTamper(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// boxBlur is a separable box blur of radius r, a stand-in for defocus.
func boxBlur(src []byte, w, h, r int) []byte {
	tmp, out := make([]byte, w*h), make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s, n := 0, 0
			for k := max(0, x-r); k <= min(w-1, x+r); k++ {
				s += int(src[y*w+k])
				n++
			}
			tmp[y*w+x] = byte(s / n)
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s, n := 0, 0
			for k := max(0, y-r); k <= min(h-1, y+r); k++ {
				s += int(tmp[k*w+x])
				n++
			}
			out[y*w+x] = byte(s / n)
		}
	}
	return out
}

// tamperScene draws a synthetic street: blocks of different brightness
// with a window grid, plus per-frame sensor noise, scaled by gain.
func tamperScene(w, h, i int, gain float64, shift int) []byte {
	out := make([]byte, w*h)
	seed := uint32(i*2654435761 + 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx := (x + shift) % w
			v := 60 + (sx/23)%4*30 + (y/17)%3*20
			if sx%11 < 3 && y%9 < 3 {
				v += 50
			}
			seed = seed*1664525 + 1013904223
			v += int(seed>>29) - 4 // noise in -4..3
			out[y*w+x] = byte(min(255, max(0, int(float64(v)*gain))))
		}
	}
	return out
}

// TestTamperSynthetic checks each fault and its look-alikes on synthetic
// frames at 5 fps: 10 s of normal scene, then 12 s of the case, then
// normal again.
func TestTamperSynthetic(t *testing.T) {
	const w, h, fps = 160, 96, 5
	normal := func(i int) []byte { return tamperScene(w, h, i, 1, 0) }
	frozenFrame := normal(49)
	cases := []struct {
		name  string
		frame func(i int) []byte
		want  TamperKind // "" for no finding at all
	}{
		{"noise only", normal, ""},
		{"lights dimmed by half", func(i int) []byte { return tamperScene(w, h, i, 0.5, 0) }, ""},
		{"lights brighter", func(i int) []byte { return tamperScene(w, h, i, 1.6, 0) }, ""},
		{"lens covered", func(i int) []byte { return tamperScene(w, h, i, 0.06, 0) }, TamperBlack},
		{"frozen picture", func(int) []byte { return frozenFrame }, TamperFrozen},
		{"defocused", func(i int) []byte { return boxBlur(normal(i), w, h, 3) }, TamperBlurred},
		{"camera turned", func(i int) []byte {
			f := tamperScene(w, h, i, 1, 57)
			for y := 0; y < h/2; y++ { // and tilted: rows swapped top to bottom
				a, b := f[y*w:y*w+w], f[(h-1-y)*w:(h-y)*w]
				for x := range a {
					a[x], b[x] = b[x], a[x]
				}
			}
			return f
		}, TamperSceneChange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustTamper(t, TamperConfig{})
			at := func(i int) time.Time { return pxT0.Add(time.Duration(i) * time.Second / fps) }
			from, to := 10*fps, 22*fps
			var raised, cleared time.Time
			for i := range 35 * fps {
				g := normal(i)
				if i >= from && i < to {
					g = tc.frame(i)
				}
				for _, c := range d.Observe(Frame{Width: w, Height: h, Gray: g, Time: at(i)}) {
					switch {
					case c.Kind != tc.want:
						t.Fatalf("frame %d: %s active=%v, want only %q (%+v)", i, c.Kind, c.Active, tc.want, d.Features())
					case c.Active:
						raised = c.At
						if got := d.Active(); len(got) != 1 || got[0].Kind != tc.want {
							t.Errorf("Active() = %+v while %s is raised", got, tc.want)
						}
					default:
						cleared = c.At
					}
				}
			}
			if tc.want == "" {
				return
			}
			if raised.IsZero() || raised.Sub(at(from)) > 10*time.Second {
				t.Errorf("%s raised at %v, want within 10 s of %v", tc.want, raised, at(from))
			}
			if cleared.IsZero() || cleared.Before(at(to)) || cleared.Sub(at(to)) > 10*time.Second {
				t.Errorf("%s cleared at %v, want within 10 s after %v", tc.want, cleared, at(to))
			}
			if len(d.Active()) != 0 {
				t.Errorf("still active at the end: %+v", d.Active())
			}
		})
	}
}

// TestTamperBadInput: malformed frames, frames going back in time and a
// new picture size change nothing and never panic; Stop clears what is
// raised.
func TestTamperBadInput(t *testing.T) {
	const w, h = 64, 48
	d := mustTamper(t, TamperConfig{})
	frozen := tamperScene(w, h, 0, 1, 0)
	var i int
	feed := func(f Frame) []TamperChange { return d.Observe(f) }
	for ; i < 60; i++ { // 12 s frozen from the start: learnt, then raised
		feed(Frame{Width: w, Height: h, Gray: frozen, Time: pxT0.Add(time.Duration(i) * 200 * time.Millisecond)})
	}
	if a := d.Active(); len(a) != 1 || a[0].Kind != TamperFrozen {
		t.Fatalf("Active() = %+v, want frozen", a)
	}
	last := pxT0.Add(time.Duration(i-1) * 200 * time.Millisecond)
	bad := []struct {
		name string
		f    Frame
	}{
		{"nil gray", Frame{Width: w, Height: h, Time: last.Add(time.Second)}},
		{"short gray", Frame{Width: w, Height: h, Gray: frozen[:10], Time: last.Add(time.Second)}},
		{"zero size", Frame{Gray: frozen, Time: last.Add(time.Second)}},
		{"negative size", Frame{Width: -w, Height: h, Gray: frozen, Time: last.Add(time.Second)}},
		{"back in time", Frame{Width: w, Height: h, Gray: tamperScene(w, h, 1, 1, 0), Time: last.Add(-time.Second)}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if got := feed(b.f); len(got) != 0 {
				t.Errorf("changes %+v from a bad frame", got)
			}
			if a := d.Active(); len(a) != 1 {
				t.Errorf("Active() = %+v after a bad frame", a)
			}
		})
	}
	got := d.Observe(Frame{Width: w * 2, Height: h, Gray: make([]byte, 2*w*h), Time: last.Add(time.Second)})
	if len(got) != 1 || got[0].Kind != TamperFrozen || got[0].Active {
		t.Fatalf("new size: changes %+v, want frozen cleared", got)
	}
	if _, err := NewTamper(TamperConfig{Hold: -time.Second}); !errors.Is(err, ErrTamperConfig) {
		t.Errorf("negative hold: err %v, want ErrTamperConfig", err)
	}
}

// keyframeStill draws a still picture as an encoder passes it on: the
// same pixels between keyframes (every 10th frame at 5 fps, a 2 s GOP),
// and at each keyframe the given share of pixels moved by one level, as
// re-coding the picture does.
func keyframeStill(w, h, i int, refresh float64) []byte {
	g := tamperScene(w, h, 0, 1, 0)
	gop := i / 10
	step := int(1 / refresh)
	for p := gop % step; p < len(g); p += step {
		g[p] ^= 1
	}
	return g
}

// TestTamperFrozenKeyframes: a live still scene may show life only at its
// keyframes, and a frozen picture may still move a little at each one;
// frozen is told by the size of the keyframe change against the camera's
// own, not by identical frames. Each case runs 10 s of `live`, 12 s of
// `fault`, then `live` again, at 5 fps.
func TestTamperFrozenKeyframes(t *testing.T) {
	const w, h, fps = 160, 96, 5
	cases := []struct {
		name        string
		live, fault func(i int) []byte
		want        bool // frozen raised (and cleared) around the fault
	}{
		{
			name:  "still scene, life only at keyframes",
			live:  func(i int) []byte { return keyframeStill(w, h, i, 0.5) },
			fault: func(i int) []byte { return keyframeStill(w, h, i, 0.5) },
		},
		{
			name:  "dark low-noise scene, 18 % at keyframes",
			live:  func(i int) []byte { return keyframeStill(w, h, i, 0.18) },
			fault: func(i int) []byte { return keyframeStill(w, h, i, 0.18) },
		},
		{
			name:  "frozen, re-coded at keyframes (0.6 %)",
			live:  func(i int) []byte { return keyframeStill(w, h, i, 0.5) },
			fault: func(i int) []byte { return keyframeStill(w, h, i, 0.006) },
			want:  true,
		},
		{
			name:  "frozen, identical frames",
			live:  func(i int) []byte { return tamperScene(w, h, i, 1, 0) },
			fault: func(int) []byte { return tamperScene(w, h, 49, 1, 0) },
			want:  true,
		},
		{
			name:  "frozen on a dark camera, re-coded at keyframes (0.6 %)",
			live:  func(i int) []byte { return keyframeStill(w, h, i, 0.18) },
			fault: func(i int) []byte { return keyframeStill(w, h, i, 0.006) },
			want:  true,
		},
		{
			// The limit: a frozen picture whose keyframes move as much as
			// the live ones did cannot be told from a live still scene.
			name:  "frozen, re-coded as much as live keyframes",
			live:  func(i int) []byte { return keyframeStill(w, h, i, 0.5) },
			fault: func(i int) []byte { return keyframeStill(w, h, i, 0.25) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustTamper(t, TamperConfig{})
			at := func(i int) time.Time { return pxT0.Add(time.Duration(i) * time.Second / fps) }
			from, to := 10*fps, 22*fps
			var raised, cleared time.Time
			for i := range 35 * fps {
				g := tc.live(i)
				if i >= from && i < to {
					g = tc.fault(i)
				}
				for _, c := range d.Observe(Frame{Width: w, Height: h, Gray: g, Time: at(i)}) {
					switch {
					case c.Kind != TamperFrozen || !tc.want:
						t.Fatalf("frame %d: %s active=%v (%+v)", i, c.Kind, c.Active, d.Features())
					case c.Active:
						raised = c.At
					default:
						cleared = c.At
					}
				}
			}
			if !tc.want {
				return
			}
			if raised.IsZero() || raised.Before(at(from)) || raised.Sub(at(from)) > 10*time.Second {
				t.Errorf("frozen raised at %v, want within 10 s of %v (%+v)", raised, at(from), d.Features())
			}
			if cleared.IsZero() || cleared.Before(at(to)) || cleared.Sub(at(to)) > 10*time.Second {
				t.Errorf("frozen cleared at %v, want within 10 s after %v", cleared, at(to))
			}
		})
	}
}

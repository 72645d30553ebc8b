//go:build cgo

package decode

import (
	"fmt"
	"testing"
)

// boxFilter is the plain definition the C gray conversion must match:
// each output pixel is the rounded mean of the source pixels it covers.
func boxFilter(src []byte, sw, sh, ow, oh int) []byte {
	out := make([]byte, ow*oh)
	for y := range oh {
		y0, y1 := y*sh/oh, (y+1)*sh/oh
		if y1 <= y0 {
			y1 = y0 + 1
		}
		for x := range ow {
			x0, x1 := x*sw/ow, (x+1)*sw/ow
			if x1 <= x0 {
				x1 = x0 + 1
			}
			var sum int
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					sum += int(src[yy*sw+xx])
				}
			}
			n := (y1 - y0) * (x1 - x0)
			out[y*ow+x] = byte((sum + n/2) / n)
		}
	}
	return out
}

// TestGrayMatchesBoxFilter checks the fast paths of the gray conversion
// (row copies at full size, 2x2 means, column tables and reciprocals for
// other ratios) against the plain box filter, on the decoded luma that a
// full-width decoder hands out.
func TestGrayMatchesBoxFilter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		clip  string
		codec Codec
		width int
	}{
		{"640x360 halved", "walk-640x360", H264, 320},
		{"640x360 to 200, uneven boxes", "walk-640x360", H264, 200},
		{"640x360 to 97", "walk-640x360", H264, 97},
		{"320x240 h265 to 240", "testsrc-320x240.h265", H265, 240},
		{"320x240 h265 halved", "testsrc-320x240.h265", H265, 160},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aus := clipAUs(t, tc.clip, tc.codec, 15)
			full, err := New(Config{Codec: tc.codec, FPS: 15, Width: 4096})
			if err != nil {
				t.Fatal(err)
			}
			defer full.Close()
			small, err := New(Config{Codec: tc.codec, FPS: 15, Width: tc.width})
			if err != nil {
				t.Fatal(err)
			}
			defer small.Close()
			compared := 0
			for i, au := range aus[:min(len(aus), 40)] {
				f, ok, err := full.Decode(au, at(i, 15))
				if err != nil {
					t.Fatal(err)
				}
				g, ok2, err := small.Decode(au, at(i, 15))
				if err != nil {
					t.Fatal(err)
				}
				if ok != ok2 {
					t.Fatalf("frame %d: full decoder out %v, small %v", i, ok, ok2)
				}
				if !ok {
					continue
				}
				want := boxFilter(f.Gray, f.Width, f.Height, g.Width, g.Height)
				if err := sameGray(g.Gray, want, g.Width); err != nil {
					t.Fatalf("frame %d (%dx%d to %dx%d): %v", i, f.Width, f.Height, g.Width, g.Height, err)
				}
				compared++
			}
			if compared < 20 {
				t.Fatalf("only %d frames compared", compared)
			}
		})
	}
}

func sameGray(got, want []byte, w int) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d pixels, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("pixel (%d,%d) = %d, want %d", i%w, i/w, got[i], want[i])
		}
	}
	return nil
}

package motion

import (
	"math/rand/v2"
	"testing"
)

// TestPixelRain lays rain over a still scene: single changed pixels
// everywhere and a few streaks per frame as large as the minimum area.
// The rain alone opens no interval; a person walking through it is
// still found.
func TestPixelRain(t *testing.T) {
	const w, h = 160, 120
	base := texture(w, h)
	cases := []struct {
		name   string
		walker bool
	}{
		{name: "rain alone"},
		{name: "person in the rain", walker: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewPixel(PixelConfig{})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 9))
			noise := newNoise(2, 5)
			frame := make([]byte, w*h)
			for i := range 20 {
				render(frame, base, w, h, 1, noise)
				d.Observe(Frame{Width: w, Height: h, Gray: frame, Time: pxAt(i)})
			}
			var started, moving int
			for k := range 40 {
				var blocks []pxBlock
				for range 4 { // streaks of 4x14 pixels, above the 48 px minimum
					blocks = append(blocks, pxBlock{x: rng.IntN(w - 4), y: rng.IntN(h - 14), w: 4, h: 14, v: 230})
				}
				if tc.walker {
					blocks = append(blocks, pxBlock{x: 4 * k, y: 40, w: 16, h: 40, v: 20})
				}
				render(frame, base, w, h, 1, noise, blocks...)
				for j := range frame { // drops: 8 % of the pixels, alone
					if rng.IntN(100) < 8 {
						frame[j] = 235
					}
				}
				res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: frame, Time: pxAt(20 + k)})
				if ok && tr.Kind == Start {
					started++
				}
				if res.Moving {
					moving++
				}
			}
			switch {
			case !tc.walker && started > 0:
				t.Errorf("rain opened %d intervals (%d moving frames)", started, moving)
			case tc.walker && (started != 1 || moving < 36):
				t.Errorf("person in the rain: %d intervals, moving in %d of 40 frames", started, moving)
			}
		})
	}
}

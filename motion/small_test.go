package motion

import (
	"math/rand/v2"
	"testing"
)

// TestPixelSmallObjects: at 320x180 (a 640x360 camera at the detect
// width) a 6x12 walker is 0.125 % of the picture, half the minimum area.
// Tracked across frames it counts; the same blob appearing at a new place
// every frame (clutter), one too small, a thin streak, or the walker on a
// picture full of scattered changes (rain) does not, and SmallArea equal
// to MinArea turns the small path off.
func TestPixelSmallObjects(t *testing.T) {
	const w, h = 320, 180
	base := texture(w, h)
	cases := []struct {
		name      string
		cfg       PixelConfig
		scene     func(i int, dst []byte, noise *sensorNoise, rnd *rand.Rand)
		intervals int
	}{
		{"tracked walker 6x12", PixelConfig{}, func(i int, dst []byte, n *sensorNoise, _ *rand.Rand) {
			render(dst, base, w, h, 1, n, pxBlock{x: -6 + max(i-15, 0)*5, y: 100, w: 6, h: 12, v: 220})
		}, 1},
		{"blob somewhere new every frame", PixelConfig{}, func(i int, dst []byte, n *sensorNoise, r *rand.Rand) {
			var b []pxBlock
			if i > 15 {
				b = append(b, pxBlock{x: r.IntN(w - 10), y: r.IntN(h - 14), w: 6, h: 12, v: 220})
			}
			render(dst, base, w, h, 1, n, b...)
		}, 0},
		{"too small", PixelConfig{}, func(i int, dst []byte, n *sensorNoise, _ *rand.Rand) {
			render(dst, base, w, h, 1, n, pxBlock{x: -4 + max(i-15, 0)*3, y: 100, w: 4, h: 6, v: 220})
		}, 0},
		{"thin streak", PixelConfig{}, func(i int, dst []byte, n *sensorNoise, _ *rand.Rand) {
			// 3 px wide, 30 long, diagonal: fills a fraction of its box.
			var b []pxBlock
			if x := -30 + max(i-15, 0)*5; i > 15 {
				for k := range 30 {
					b = append(b, pxBlock{x: x + k, y: 80 + k, w: 3, h: 1, v: 220})
				}
			}
			render(dst, base, w, h, 1, n, b...)
		}, 0},
		{"walker in rain", PixelConfig{}, func(i int, dst []byte, n *sensorNoise, r *rand.Rand) {
			b := []pxBlock{{x: -6 + max(i-15, 0)*5, y: 100, w: 6, h: 12, v: 220}}
			if i > 15 {
				for range 150 { // drops of 2x2: 0.4 % of the picture scattered
					b = append(b, pxBlock{x: r.IntN(w), y: r.IntN(h), w: 2, h: 2, v: 230})
				}
			}
			render(dst, base, w, h, 1, n, b...)
		}, 0},
		{"small path off", PixelConfig{SmallArea: DefaultMinArea}, func(i int, dst []byte, n *sensorNoise, _ *rand.Rand) {
			render(dst, base, w, h, 1, n, pxBlock{x: -6 + max(i-15, 0)*5, y: 100, w: 6, h: 12, v: 220})
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noise := newNoise(3, 11)
			rnd := rand.New(rand.NewPCG(1, 2))
			run := runScene(t, tc.cfg, w, h, 80, func(i int, dst []byte) { tc.scene(i, dst, noise, rnd) })
			if len(run.intervals) != tc.intervals {
				t.Fatalf("%d intervals %v, want %d", len(run.intervals), run.intervals, tc.intervals)
			}
			if tc.intervals == 1 {
				// Counted after SmallFrames frames; hysteresis dates the
				// start back to the first counted frame.
				if iv := run.intervals[0]; iv.from < 15 || iv.from > 15+DefaultSmallFrames+2 {
					t.Errorf("interval %v, the walker entered at frame 15", iv)
				}
			}
		})
	}
}

func TestPixelSmallAreaConfig(t *testing.T) {
	for _, cfg := range []PixelConfig{{SmallArea: 0.3}, {SmallArea: -1}, {SmallFrames: -1}, {SmallFrames: 101}, {MinArea: 0.1, SmallArea: 0.2}} {
		if _, err := NewPixel(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := NewPixel(PixelConfig{MinArea: 0.04}); err != nil {
		t.Errorf("a min area under the default small area: %v", err)
	}
}

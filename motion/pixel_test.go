package motion

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The synthetic scenes run at the detect rate, 5 fps.
const pxFPS = 5

var pxT0 = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

func pxAt(i int) time.Time { return pxT0.Add(time.Duration(i) * time.Second / pxFPS) }

// pxBlock is a flat rectangle drawn over the scene, in pixels; with add
// set it brightens the scene by add levels instead (a faint object).
type pxBlock struct {
	x, y, w, h int
	v          byte
	add        int
}

// pxScene draws frame i of a synthetic camera into dst.
type pxScene func(i int, dst []byte)

// texture is a street-like still: bands of different gray with a grid of
// darker lines, all between 40 and 160 so that x1.5 does not clip.
func texture(w, h int) []byte {
	b := make([]byte, w*h)
	for y := range h {
		for x := range w {
			v := 60 + (y*4/h)*25 + (x*3/w)*8
			if x%16 == 0 || y%12 == 0 {
				v -= 20
			}
			b[y*w+x] = byte(v)
		}
	}
	return b
}

// render composes the scene: the texture times gain, the blocks, and
// sensor noise when noise is not nil.
func render(dst, base []byte, w, h int, gain float64, noise *sensorNoise, blocks ...pxBlock) {
	var lut [256]byte
	for v := range lut {
		lut[v] = clamp8(float64(v) * gain)
	}
	for i, v := range base {
		dst[i] = lut[v]
	}
	for _, b := range blocks {
		for y := max(b.y, 0); y < min(b.y+b.h, h); y++ {
			for x := max(b.x, 0); x < min(b.x+b.w, w); x++ {
				if b.add != 0 {
					dst[y*w+x] = byte(min(int(lut[base[y*w+x]])+b.add, 255))
				} else {
					dst[y*w+x] = lut[b.v]
				}
			}
		}
	}
	noise.add(dst)
}

// sensorNoise adds Gaussian noise from a pool drawn once: each frame takes
// the pool at a random offset, which decorrelates frames for a fraction
// of the cost of drawing every pixel (the race detector makes that cost
// matter).
type sensorNoise struct {
	pool []int16
	rng  *rand.Rand
}

func newNoise(sigma float64, seed uint64) *sensorNoise {
	if sigma <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	pool := make([]int16, 1<<18)
	for i := range pool {
		pool[i] = int16(math.Round(rng.NormFloat64() * sigma))
	}
	return &sensorNoise{pool: pool, rng: rng}
}

func (n *sensorNoise) add(dst []byte) {
	if n == nil {
		return
	}
	off := n.rng.IntN(len(n.pool) - len(dst))
	p := n.pool[off : off+len(dst)]
	for i, v := range dst {
		dst[i] = byte(min(max(int16(v)+p[i], 0), 255))
	}
}

func clamp8(v float64) byte {
	return byte(math.Round(min(max(v, 0), 255)))
}

// walker is a block of bw x bh crossing a w x h picture left to right at
// speed pixels per frame, entering at frame from; it is drawn at row y.
func walker(w, h, bw, bh, y, speed, from int, sigma float64) pxScene {
	base := texture(w, h)
	noise := newNoise(sigma, 7)
	return func(i int, dst []byte) {
		var blocks []pxBlock
		if i >= from {
			if x := -bw + (i-from)*speed; x < w {
				blocks = append(blocks, pxBlock{x, y, bw, bh, 220, 0})
			}
		}
		render(dst, base, w, h, 1, noise, blocks...)
	}
}

type pxInterval struct{ from, to int } // frame indexes of Started and At

type pxRun struct {
	intervals []pxInterval
	results   []PixelResult // copies, with copied Boxes and Zones
	statuses  map[Status]int
}

// runScene feeds n frames of scene to a fresh detector and collects
// intervals (closing an open one at the end) and every frame's result.
func runScene(t *testing.T, cfg PixelConfig, w, h, n int, scene pxScene) pxRun {
	t.Helper()
	d, err := NewPixel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	frameOf := func(tm time.Time) int { return int(tm.Sub(pxT0) * pxFPS / time.Second) }
	run := pxRun{statuses: map[Status]int{}}
	buf := make([]byte, w*h)
	open := -1
	for i := range n {
		scene(i, buf)
		res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: buf, Time: pxAt(i)})
		res.Boxes = slices.Clone(res.Boxes)
		res.Zones = slices.Clone(res.Zones)
		run.results = append(run.results, res)
		run.statuses[res.Status]++
		if !ok {
			continue
		}
		switch tr.Kind {
		case Start:
			if open >= 0 {
				t.Fatalf("frame %d: start inside an open interval", i)
			}
			open = frameOf(tr.Started)
		case End:
			if open < 0 {
				t.Fatalf("frame %d: end without start", i)
			}
			run.intervals = append(run.intervals, pxInterval{open, frameOf(tr.At)})
			open = -1
		}
	}
	if tr, ok := d.Stop(); ok {
		run.intervals = append(run.intervals, pxInterval{open, frameOf(tr.At)})
	}
	return run
}

// TestPixelMovingBlocks: a block walking across the picture opens exactly
// one interval that starts within two frames of its entry and ends within
// two frames of its exit, and the largest box follows the block.
func TestPixelMovingBlocks(t *testing.T) {
	cases := []struct {
		name         string
		w, h         int
		bw, bh, y    int
		speed        int
		sigma        float64
		sensitivity  int
		wantZones    []string
		zones, masks []Polygon
	}{
		{name: "person-sized at walking pace", w: 320, h: 240, bw: 20, bh: 60, y: 100, speed: 8},
		{name: "small person far away", w: 320, h: 240, bw: 10, bh: 22, y: 60, speed: 4},
		{name: "large and fast", w: 320, h: 240, bw: 60, bh: 120, y: 60, speed: 30},
		{name: "slow crawl", w: 320, h: 180, bw: 24, bh: 40, y: 80, speed: 3},
		{name: "with sensor noise", w: 320, h: 180, bw: 20, bh: 50, y: 80, speed: 8, sigma: 4},
		{name: "at low sensitivity", w: 320, h: 240, bw: 20, bh: 60, y: 100, speed: 8, sensitivity: 1},
		{
			name: "crossing one zone of two", w: 320, h: 240, bw: 20, bh: 60, y: 100, speed: 8,
			zones: []Polygon{
				{Name: "sky", Points: []Point{{0, 0}, {1, 0}, {1, 0.2}, {0, 0.2}}},
				{Name: "sidewalk", Points: []Point{{0, 0.5}, {0.5, 0.5}, {0.5, 0.8}, {0, 0.8}}},
			},
			wantZones: []string{"sidewalk"},
		},
		{
			name: "partly masked still moves", w: 320, h: 240, bw: 20, bh: 60, y: 100, speed: 8,
			masks: []Polygon{{Name: "tree", Points: []Point{{0.4, 0}, {0.6, 0}, {0.6, 1}, {0.4, 1}}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const from = 20 // after the warmup
			exit := from + (tc.w+tc.bw)/tc.speed
			n := exit + 40
			cfg := PixelConfig{Sensitivity: tc.sensitivity, Zones: tc.zones, Masks: tc.masks}
			run := runScene(t, cfg, tc.w, tc.h, n, walker(tc.w, tc.h, tc.bw, tc.bh, tc.y, tc.speed, from, tc.sigma))
			if len(run.intervals) != 1 {
				t.Fatalf("intervals %v, want one", run.intervals)
			}
			// visible: the first frame showing at least the minimum area.
			minArea := DefaultMinArea / 100 * float64(tc.w*tc.h)
			visible := from
			for float64(min(tc.bw, (visible-from)*tc.speed)*tc.bh) < minArea {
				visible++
			}
			iv := run.intervals[0]
			if iv.from < visible || iv.from > visible+2 {
				t.Errorf("started at frame %d, block showed enough at %d", iv.from, visible)
			}
			if iv.to < exit-3 || iv.to > exit {
				t.Errorf("last moving frame %d, block left at %d", iv.to, exit)
			}
			// A quarter across (left of any mask) the largest box is the block.
			mid := from + (tc.w/4+tc.bw)/tc.speed
			res := run.results[mid]
			if !res.Moving || len(res.Boxes) == 0 {
				t.Fatalf("frame %d not moving: %+v", mid, res)
			}
			bx := -tc.bw + (mid-from)*tc.speed
			want := Box{
				X: float64(bx) / float64(tc.w), Y: float64(tc.y) / float64(tc.h),
				W: float64(tc.bw) / float64(tc.w), H: float64(tc.bh) / float64(tc.h),
			}
			got := res.Boxes[0]
			tol := 2.5 / float64(tc.w)
			if math.Abs(got.X-want.X) > tol || math.Abs(got.Y-want.Y) > tol ||
				math.Abs(got.W-want.W) > tol || math.Abs(got.H-want.H) > tol {
				t.Errorf("box %+v, want about %+v", got, want)
			}
			if res.Score < 1 || res.Area <= 0 {
				t.Errorf("score %g area %g for a moving frame", res.Score, res.Area)
			}
			var zones []string
			for _, r := range run.results {
				for _, z := range r.Zones {
					if !slices.Contains(zones, z) {
						zones = append(zones, z)
					}
				}
			}
			if !slices.Equal(zones, tc.wantZones) {
				t.Errorf("zones hit %v, want %v", zones, tc.wantZones)
			}
		})
	}
}

// TestPixelNoMotion: scenes that must never open an interval.
func TestPixelNoMotion(t *testing.T) {
	const w, h, n = 320, 240, 160
	base := texture(w, h)
	static := func(gain func(i int) float64, sigma float64, blocks func(i int) []pxBlock) pxScene {
		noise := newNoise(sigma, 3)
		return func(i int, dst []byte) {
			var bl []pxBlock
			if blocks != nil {
				bl = blocks(i)
			}
			render(dst, base, w, h, gain(i), noise, bl...)
		}
	}
	one := func(int) float64 { return 1 }
	step := func(at int, g float64) func(int) float64 {
		return func(i int) float64 {
			if i >= at {
				return g
			}
			return 1
		}
	}
	// ramp: from 1 to g over frames a..b (a dusk or dawn, or a cloud).
	ramp := func(a, b int, g float64) func(int) float64 {
		return func(i int) float64 {
			switch {
			case i < a:
				return 1
			case i >= b:
				return g
			}
			return 1 + (g-1)*float64(i-a)/float64(b-a)
		}
	}
	moving := func(i int) []pxBlock {
		if i < 20 {
			return nil
		}
		return []pxBlock{{-20 + (i-20)*8, 100, 20, 60, 220, 0}}
	}
	irNoise := newNoise(2, 4)
	cases := []struct {
		name  string
		cfg   PixelConfig
		scene pxScene
		// wantLighting: some frames must be recognised as lighting.
		wantLighting bool
	}{
		{name: "still scene", scene: static(one, 0, nil)},
		{name: "gaussian noise sigma 3", scene: static(one, 3, nil)},
		{name: "gaussian noise sigma 8", scene: static(one, 8, nil)},
		{name: "lights up x1.5 at once", scene: static(step(60, 1.5), 2, nil), wantLighting: true},
		{name: "lights down x0.6 at once", scene: static(step(60, 0.6), 2, nil), wantLighting: true},
		{name: "slow ramp to x1.5 over 20 s", scene: static(ramp(40, 140, 1.5), 2, nil)},
		{name: "fast ramp to x0.5 over 2 s", scene: static(ramp(40, 50, 0.5), 2, nil)},
		{
			name: "IR switch: picture inverted and flattened",
			scene: func(i int, dst []byte) {
				render(dst, base, w, h, 1, irNoise)
				if i >= 60 {
					for j, v := range dst {
						dst[j] = 200 - v/2
					}
				}
			},
			wantLighting: true,
		},
		{
			name:  "block inside a mask",
			cfg:   PixelConfig{Masks: []Polygon{{Name: "road", Points: []Point{{0, 0.35}, {1, 0.35}, {1, 0.75}, {0, 0.75}}}}},
			scene: static(one, 2, moving),
		},
		{
			name: "tiny object below min area",
			scene: static(one, 2, func(i int) []pxBlock {
				return []pxBlock{{40 + i, 100, 6, 6, 230, 0}}
			}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := runScene(t, tc.cfg, w, h, n, tc.scene)
			if len(run.intervals) != 0 {
				t.Errorf("intervals %v, want none", run.intervals)
			}
			for i, r := range run.results {
				if r.Moving {
					t.Errorf("frame %d moving: %+v", i, r)
					break
				}
			}
			if got := run.statuses[Lighting] > 0; got != tc.wantLighting {
				t.Errorf("lighting frames %d, want some: %v", run.statuses[Lighting], tc.wantLighting)
			}
			if run.statuses[Invalid] != 0 {
				t.Errorf("%d invalid frames", run.statuses[Invalid])
			}
		})
	}
}

// TestPixelStandingObjectIsAbsorbed: a block walks in and stops; after the
// absorb time it is scenery and the interval ends one post-roll later.
func TestPixelStandingObjectIsAbsorbed(t *testing.T) {
	const w, h = 320, 240
	cfg := PixelConfig{Absorb: 6 * time.Second, PostRoll: 2 * time.Second}
	const from, stop = 20, 40 // the block stops at frame 40 at x = 140
	noise := newNoise(2, 1)
	base := texture(w, h)
	scene := func(i int, dst []byte) {
		var bl []pxBlock
		if i >= from {
			x := -20 + (min(i, stop)-from)*8
			bl = append(bl, pxBlock{x, 100, 20, 60, 220, 0})
		}
		render(dst, base, w, h, 1, noise, bl...)
	}
	run := runScene(t, cfg, w, h, 150, scene)
	if len(run.intervals) != 1 {
		t.Fatalf("intervals %v, want one", run.intervals)
	}
	// Absorbed 6 s (30 frames) after it stopped changing.
	absorbed := stop + 30
	if iv := run.intervals[0]; iv.from > from+2 || iv.to < absorbed-3 || iv.to > absorbed+1 {
		t.Errorf("interval %v, want from %d to about %d", iv, from, absorbed)
	}
	for i := absorbed + 2; i < len(run.results); i++ {
		if run.results[i].Moving {
			t.Fatalf("frame %d still moving after absorption", i)
		}
	}
}

// TestPixelHysteresis: short blips are not motion; a pause shorter than
// the post-roll keeps one interval.
func TestPixelHysteresis(t *testing.T) {
	const w, h = 160, 120
	base := texture(w, h)
	// present: frames in which a block is visible, moving 8 px a frame.
	scene := func(present func(i int) bool) pxScene {
		return func(i int, dst []byte) {
			var bl []pxBlock
			if present(i) {
				bl = append(bl, pxBlock{(i * 8) % 140, 40, 12, 30, 220, 0})
			}
			render(dst, base, w, h, 1, nil, bl...)
		}
	}
	between := func(spans ...[2]int) func(int) bool {
		return func(i int) bool {
			for _, s := range spans {
				if i >= s[0] && i < s[1] {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name string
		cfg  PixelConfig
		on   func(int) bool
		want []pxInterval
	}{
		{name: "blip of one frame", on: between([2]int{30, 31})},
		{name: "two frames are shorter than min duration", on: between([2]int{30, 32})},
		{name: "three frames open an interval", on: between([2]int{30, 33}), want: []pxInterval{{30, 32}}},
		{name: "short pause keeps one interval", on: between([2]int{30, 40}, [2]int{45, 55}), want: []pxInterval{{30, 54}}},
		{name: "long pause splits", on: between([2]int{30, 40}, [2]int{60, 70}), want: []pxInterval{{30, 39}, {60, 69}}},
		{
			name: "min duration of one frame opens on the second", cfg: PixelConfig{MinDuration: 200 * time.Millisecond},
			on: between([2]int{30, 32}), want: []pxInterval{{30, 31}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := runScene(t, tc.cfg, w, h, 100, scene(tc.on))
			if !slices.Equal(run.intervals, tc.want) {
				t.Errorf("intervals %v, want %v", run.intervals, tc.want)
			}
		})
	}
}

func TestPolygonContains(t *testing.T) {
	square := Polygon{Name: "sq", Points: []Point{{0.2, 0.2}, {0.6, 0.2}, {0.6, 0.6}, {0.2, 0.6}}}
	// An L shape: the notch at the top right is outside.
	ell := Polygon{Name: "L", Points: []Point{{0, 0}, {0.5, 0}, {0.5, 0.5}, {1, 0.5}, {1, 1}, {0, 1}}}
	tri := Polygon{Name: "tri", Points: []Point{{0, 0}, {1, 0}, {0, 1}}}
	cases := []struct {
		name string
		poly Polygon
		p    Point
		want bool
	}{
		{"square centre", square, Point{0.4, 0.4}, true},
		{"square left of", square, Point{0.1, 0.4}, false},
		{"square below", square, Point{0.4, 0.7}, false},
		{"L inner corner", ell, Point{0.25, 0.75}, true},
		{"L notch", ell, Point{0.75, 0.25}, false},
		{"L foot", ell, Point{0.9, 0.9}, true},
		{"triangle inside", tri, Point{0.2, 0.2}, true},
		{"triangle beyond hypotenuse", tri, Point{0.6, 0.6}, false},
		{"too few points", Polygon{Points: []Point{{0, 0}, {1, 1}}}, Point{0.5, 0.5}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.poly.Contains(tc.p); got != tc.want {
				t.Errorf("Contains(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestRasterise(t *testing.T) {
	const w, h = 10, 10
	mask := make([]byte, w*h)
	zones := make([]uint32, w*h)
	left := Polygon{Name: "left", Points: []Point{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}}
	top := Polygon{Name: "top", Points: []Point{{0, 0}, {1, 0}, {1, 0.3}, {0, 0.3}}}
	rasterise(w, h, []Polygon{left}, []Polygon{left, top}, mask, zones)
	var masked, both int
	for i := range mask {
		masked += int(mask[i])
		if zones[i] == 3 {
			both++
		}
	}
	if masked != 50 || both != 15 {
		t.Errorf("masked %d (want 50), in both zones %d (want 15)", masked, both)
	}
}

func TestNewPixelRejectsBadConfig(t *testing.T) {
	sq := []Point{{0, 0}, {1, 0}, {1, 1}}
	cases := []struct {
		name string
		cfg  PixelConfig
	}{
		{"sensitivity 11", PixelConfig{Sensitivity: 11}},
		{"negative min area", PixelConfig{MinArea: -1}},
		{"min area over 100", PixelConfig{MinArea: 101}},
		{"negative post roll", PixelConfig{PostRoll: -time.Second}},
		{"global change over 1", PixelConfig{GlobalChange: 1.5}},
		{"brightness jump NaN", PixelConfig{BrightnessJump: math.NaN()}},
		{"warmup negative", PixelConfig{Warmup: -1}},
		{"unnamed zone", PixelConfig{Zones: []Polygon{{Points: sq}}}},
		{"zone twice", PixelConfig{Zones: []Polygon{{Name: "a", Points: sq}, {Name: "a", Points: sq}}}},
		{"zone of two points", PixelConfig{Zones: []Polygon{{Name: "a", Points: sq[:2]}}}},
		{"mask point outside", PixelConfig{Masks: []Polygon{{Points: []Point{{0, 0}, {1.2, 0}, {1, 1}}}}}},
		{"mask point NaN", PixelConfig{Masks: []Polygon{{Points: []Point{{0, 0}, {math.NaN(), 0}, {1, 1}}}}}},
		{"too many zones", PixelConfig{Zones: func() []Polygon {
			z := make([]Polygon, MaxZones+1)
			for i := range z {
				z[i] = Polygon{Name: string(rune('A' + i)), Points: sq}
			}
			return z
		}()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewPixel(tc.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("NewPixel: %v, want ErrConfig", err)
			}
		})
	}
}

// TestPixelBadFrames: malformed frames are reported Invalid and change
// nothing; a new picture size starts learning again; a clock going back
// does not wedge the detector.
func TestPixelBadFrames(t *testing.T) {
	d, err := NewPixel(PixelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	bad := []Frame{
		{},
		{Width: 320, Height: 240},
		{Width: 320, Height: 240, Gray: make([]byte, 320*240-1)},
		{Width: -320, Height: -240, Gray: make([]byte, 10)},
		{Width: 4, Height: 4, Gray: make([]byte, 16)},
		{Width: 5000, Height: 8, Gray: make([]byte, 40000)},
		{Width: 1 << 40, Height: 1 << 40, Gray: make([]byte, 10)},
	}
	for i, f := range bad {
		if res, _, ok := d.Observe(f); res.Status != Invalid || ok {
			t.Errorf("bad frame %d: status %v, transition %v", i, res.Status, ok)
		}
	}
	scene := walker(320, 240, 20, 60, 100, 8, 20, 0)
	buf := make([]byte, 320*240)
	var starts int
	for i := range 40 {
		scene(i, buf)
		res, tr, ok := d.Observe(Frame{Width: 320, Height: 240, Gray: buf, Time: pxAt(i)})
		if ok && tr.Kind == Start {
			starts++
		}
		if i < DefaultPixelWarmup && res.Status != Warming {
			t.Errorf("frame %d: status %v during warmup", i, res.Status)
		}
	}
	if starts != 1 || !d.Active() {
		t.Fatalf("starts %d, active %v", starts, d.Active())
	}
	// A new size closes the interval and warms up again.
	small := make([]byte, 160*120)
	res, tr, ok := d.Observe(Frame{Width: 160, Height: 120, Gray: small, Time: pxAt(40)})
	if !ok || tr.Kind != End || res.Status != Warming || d.Active() {
		t.Errorf("size change: %v %v %v active %v", res.Status, tr.Kind, ok, d.Active())
	}
	// The clock jumps back an hour: frames keep being scored.
	for i := range 30 {
		res, _, _ = d.Observe(Frame{Width: 160, Height: 120, Gray: small, Time: pxAt(i).Add(-time.Hour)})
	}
	if res.Status != Scored {
		t.Errorf("after a clock jump back: status %v", res.Status)
	}
	d.Reset()
	if res, _, _ := d.Observe(Frame{Width: 160, Height: 120, Gray: small, Time: pxAt(0)}); res.Status != Warming {
		t.Errorf("after reset: status %v", res.Status)
	}
}

// TestPixelSensitivity: a faint object (10 gray levels above the scene)
// is below the default threshold and found at the highest sensitivity.
func TestPixelSensitivity(t *testing.T) {
	const w, h = 160, 120
	base := texture(w, h)
	noise := newNoise(1, 5)
	scene := func(i int, dst []byte) {
		var bl []pxBlock
		if i >= 20 && i < 40 {
			bl = append(bl, pxBlock{x: (i - 20) * 6, y: 40, w: 12, h: 30, add: 10})
		}
		render(dst, base, w, h, 1, noise, bl...)
	}
	cases := []struct {
		name        string
		sensitivity int
		want        int
	}{
		{"default misses it", 0, 0},
		{"sensitivity 10 finds it", 10, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := runScene(t, PixelConfig{Sensitivity: tc.sensitivity}, w, h, 60, scene)
			if len(run.intervals) != tc.want {
				t.Errorf("intervals %v, want %d", run.intervals, tc.want)
			}
		})
	}
}

package motion

import "testing"

// TestPixelShake slides a textured scene by a few pixels for a few
// seconds, as wind on the mount does: the frames are Shaken, no interval
// opens, and a person walking through the still scene afterwards is
// still found.
func TestPixelShake(t *testing.T) {
	const w, h = 160, 120
	base := texture(w, h)
	// slide copies base moved by dx, dy, edges repeated.
	slide := func(dst []byte, dx, dy int) {
		for y := range h {
			sy := min(max(y+dy, 0), h-1)
			for x := range w {
				sx := min(max(x+dx, 0), w-1)
				dst[y*w+x] = base[sy*w+sx]
			}
		}
	}
	cases := []struct {
		name   string
		dx, dy []int
		shaken bool
	}{
		{name: "sideways", dx: []int{3, -2, 4, -3}, dy: []int{0, 0, 0, 0}, shaken: true},
		{name: "up and down", dx: []int{0, 0, 0, 0}, dy: []int{2, -3, 1, -2}, shaken: true},
		{name: "still", dx: []int{0, 0, 0, 0}, dy: []int{0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewPixel(PixelConfig{})
			if err != nil {
				t.Fatal(err)
			}
			noise := newNoise(2, 7)
			frame := make([]byte, w*h)
			i := 0
			feed := func(blocks ...pxBlock) PixelResult {
				render(frame, base, w, h, 1, noise, blocks...)
				res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: frame, Time: pxAt(i)})
				i++
				if ok && tr.Kind == Start && len(blocks) == 0 {
					t.Fatalf("frame %d: motion started without an object (status %s)", i, res.Status)
				}
				return res
			}
			for range 20 {
				feed()
			}
			shaken := 0
			for k := range 20 {
				slide(frame, tc.dx[k%4], tc.dy[k%4])
				noise.add(frame)
				res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: frame, Time: pxAt(i)})
				i++
				if ok && tr.Kind == Start {
					t.Fatalf("shake frame %d started motion (status %s)", k, res.Status)
				}
				if res.Status == Shaken {
					shaken++
				}
			}
			if tc.shaken && shaken < 18 || !tc.shaken && shaken > 0 {
				t.Errorf("%d of 20 frames shaken", shaken)
			}
			for range 10 {
				feed()
			}
			moving := 0
			for k := range 10 {
				if feed(pxBlock{x: 10 + 8*k, y: 40, w: 12, h: 36, v: 220}).Moving {
					moving++
				}
			}
			if moving < 9 {
				t.Errorf("walker moving in %d of 10 frames after the shake", moving)
			}
		})
	}
}

package motion

// Small distant objects. A person far down the street is a region under
// the minimum area (0.1 % of a 640x360 picture is 6x12 pixels at the
// detect width), as large as what sensor grain, rain or a moth clump
// into. What tells them apart is persistence: a walker's region is there
// frame after frame, near where it was, about as large, while clutter
// specks come and go at random places. So a region between SmallArea and
// MinArea counts once it has been tracked for SmallFrames consecutive
// frames, and only on a clean frame: when clutter scatters changed pixels
// over the picture (rain, snow, heavy grain), the small path is closed
// and only regions of the minimum area count, as before.

const (
	// DefaultSmallArea is the smallest region, in percent of the frame,
	// that can count when tracked: below a 0.1 % person's region after
	// the noise filter has eaten its outline (0.085 to 0.10 % measured).
	DefaultSmallArea = 0.06
	// DefaultSmallFrames is how many consecutive detect frames a small
	// region must be tracked: 0.8 s at 5 fps.
	DefaultSmallFrames = 4
	// smallClutter is the share of the unmasked picture scattered outside
	// regions above which the frame is too cluttered for small regions.
	smallClutter = 0.002
	// maxSmallTracks bounds the candidates followed per frame; a frame
	// with more small regions than this is clutter.
	maxSmallTracks = 4
	// smallMinFill is the least share of its box a small region fills:
	// a compact blob, not a thin streak.
	smallMinFill = 0.35
)

// smallTrack is one small region followed across frames.
type smallTrack struct {
	r   region
	run int // consecutive frames seen
}

// smallTracker follows the small regions of consecutive scored frames.
type smallTracker struct {
	prev, next []smallTrack
	last       int // the frame prev is of: a frame not scored breaks every track
	pending    int // tracks of the last frame not yet counted
}

func (t *smallTracker) reset() { t.prev, t.pending = t.prev[:0], 0 }

// confirmed takes frame number frame's small regions (already clutter-checked) and
// appends to out those tracked for at least frames consecutive frames.
func (t *smallTracker) confirmed(frame int, small []region, frames int, out []region) []region {
	if frame != t.last+1 {
		t.prev = t.prev[:0]
	}
	t.last = frame
	t.next, t.pending = t.next[:0], 0
	for _, r := range small {
		if len(t.next) == maxSmallTracks {
			break
		}
		bw, bh := r.maxX+1-r.minX, r.maxY+1-r.minY
		if float64(r.area) < smallMinFill*float64(bw*bh) {
			continue
		}
		run := 1
		for _, p := range t.prev {
			if p.run >= run && near(p.r, r) {
				run = p.run + 1
			}
		}
		t.next = append(t.next, smallTrack{r: r, run: run})
		if run >= frames {
			out = append(out, r)
		} else {
			t.pending++
		}
	}
	t.prev, t.next = t.next, t.prev
	return out
}

// near tells whether b can be the region a one frame later: about as
// large (within 3x) and displaced by at most twice the larger side plus
// a few pixels (a walker at 5 fps moves a fraction of its height).
func near(a, b region) bool {
	if a.area > 3*b.area || b.area > 3*a.area {
		return false
	}
	side := max(a.maxX-a.minX, a.maxY-a.minY, b.maxX-b.minX, b.maxY-b.minY) + 1
	dx := (a.minX + a.maxX) - (b.minX + b.maxX) // twice the centre distance
	dy := (a.minY + a.maxY) - (b.minY + b.maxY)
	lim := 2 * (2*side + 4)
	return dx*dx+dy*dy <= lim*lim
}

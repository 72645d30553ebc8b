package motion

// shakeMeter tells a shaking camera from motion in the scene. When the
// mount sways, the whole picture slides: every edge changes at once and
// the change looks like a large moving object. A slid picture matches
// the background best at a non-zero offset, which a moving object never
// causes, because the background it is compared with holds still. The
// match is made on projection profiles (the picture's row and column
// sums), so it costs two passes of additions, not a block search.
type shakeMeter struct {
	fCol, bCol []int32 // column sums: frame, background
	fRow, bRow []int32 // row sums
}

// maxShift is the largest slide looked for, in pixels of the detect
// picture; shakeRatio is how much better than no slide the best slide
// must match (x 256) to call the frame shaken.
const (
	maxShift   = 8
	shakeRatio = 180
)

func (s *shakeMeter) resize(w, h int) {
	s.fCol, s.bCol = grow(s.fCol, w), grow(s.bCol, w)
	s.fRow, s.bRow = grow(s.fRow, h), grow(s.bRow, h)
}

// shaken reports whether the frame is the background slid by one pixel
// or more in either direction.
func (s *shakeMeter) shaken(bg []uint16, f []byte, w, h int) bool {
	fCol, bCol := s.fCol[:w], s.bCol[:w]
	fRow, bRow := s.fRow[:h], s.bRow[:h]
	clear(fCol)
	clear(bCol)
	// Sub-sampled: column sums from every 2nd row, row sums from every
	// 2nd column. A slide moves the whole picture, so half the lines show
	// it as well as all of them, at under half the additions.
	for y := range h {
		fr, br := f[y*w:(y+1)*w], bg[y*w:(y+1)*w]
		br = br[:len(fr)]
		var fs, bs int32
		if y&1 == 0 {
			fc, bc := fCol[:len(fr)], bCol[:len(fr)]
			x := 0
			for ; x+1 < len(fr); x += 2 {
				fv, bv := int32(fr[x]), int32(br[x]>>8)
				fc[x] += fv
				bc[x] += bv
				fc[x+1] += int32(fr[x+1])
				bc[x+1] += int32(br[x+1] >> 8)
				fs += fv
				bs += bv
			}
			if x < len(fr) {
				fv, bv := int32(fr[x]), int32(br[x]>>8)
				fc[x] += fv
				bc[x] += bv
				fs += fv
				bs += bv
			}
		} else {
			for x := 0; x < len(fr); x += 2 {
				fs += int32(fr[x])
				bs += int32(br[x] >> 8)
			}
		}
		fRow[y], bRow[y] = fs, bs
	}
	return slid(fCol, bCol) || slid(fRow, bRow)
}

// slid compares two profiles at every offset up to maxShift, each with
// its mean over the overlap removed (a lighting change moves the level,
// not the shape), and reports whether some non-zero offset matches
// clearly better than none.
func slid(f, b []int32) bool {
	n := len(f)
	if n <= 4*maxShift {
		return false
	}
	lo, hi := maxShift, n-maxShift
	bb := b[lo:hi]
	var bs int64
	for _, v := range bb {
		bs += int64(v)
	}
	cnt := int64(hi - lo)
	bm := bs / cnt
	at := func(shift int) int64 {
		ff := f[lo+shift : hi+shift]
		ff = ff[:len(bb)]
		var fs int64
		for _, v := range ff {
			fs += int64(v)
		}
		off := fs/cnt - bm
		var sad int64
		for i, v := range ff {
			d := int64(v) - int64(bb[i]) - off
			m := d >> 63 // branch-free: the sign is a coin toss
			sad += (d ^ m) - m
		}
		return sad
	}
	zero := at(0)
	best := zero
	for shift := -maxShift; shift <= maxShift; shift++ {
		if shift == 0 {
			continue
		}
		best = min(best, at(shift))
	}
	return best*256 < zero*shakeRatio
}

package motion

import (
	"slices"
)

// baseline keeps the last n P-frame sizes and their median and median
// absolute deviation. The sorted copy is maintained incrementally; the
// deviation is recomputed every few frames, which is plenty for a quantity
// that drifts over seconds.
type baseline struct {
	ring   []int // sizes in arrival order, circular
	next   int   // index of the oldest entry once full
	full   bool
	sorted []int // the same sizes, sorted
	dev    []int // scratch for the deviation
	mad    float64
	stale  int // frames since mad was computed
}

const madEvery = 8

func newBaseline(n int) *baseline {
	return &baseline{ring: make([]int, 0, n), sorted: make([]int, 0, n), dev: make([]int, 0, n)}
}

func (b *baseline) len() int { return len(b.sorted) }

// add puts size into the window, evicting the oldest when full.
func (b *baseline) add(size int) {
	if !b.full {
		b.ring = append(b.ring, size)
		if len(b.ring) == cap(b.ring) {
			b.full = true
		}
	} else {
		old := b.ring[b.next]
		b.ring[b.next] = size
		b.next = (b.next + 1) % len(b.ring)
		i, _ := slices.BinarySearch(b.sorted, old)
		b.sorted = slices.Delete(b.sorted, i, i+1)
	}
	i, _ := slices.BinarySearch(b.sorted, size)
	b.sorted = slices.Insert(b.sorted, i, size)
	b.stale++
	if b.stale >= madEvery || b.mad == 0 {
		b.computeMAD()
	}
}

func (b *baseline) median() float64 {
	n := len(b.sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return float64(b.sorted[n/2])
	}
	return float64(b.sorted[n/2-1]+b.sorted[n/2]) / 2
}

func (b *baseline) computeMAD() {
	b.stale = 0
	m := b.median()
	b.dev = b.dev[:0]
	for _, s := range b.sorted {
		d := float64(s) - m
		if d < 0 {
			d = -d
		}
		b.dev = append(b.dev, int(d*2)) // doubled to keep half-bytes exact
	}
	slices.Sort(b.dev)
	n := len(b.dev)
	if n == 0 {
		b.mad = 0
		return
	}
	var v float64
	if n%2 == 1 {
		v = float64(b.dev[n/2])
	} else {
		v = float64(b.dev[n/2-1]+b.dev[n/2]) / 2
	}
	b.mad = v / 2
}

func (b *baseline) reset() {
	b.ring = b.ring[:0]
	b.sorted = b.sorted[:0]
	b.next, b.full, b.mad, b.stale = 0, false, 0, 0
}

package motion

// ratioHist finds the median ratio between two pictures from a sparse grid
// of pixel pairs. The median ignores whatever a moving object covers, as
// long as it covers less than half of the picture, so it measures what
// the light did to the whole scene: an auto-exposure step, a lamp, the
// IR filter.
type ratioHist struct {
	bins [ratioBins]int32
	n    int32
}

// Ratios are binned at 1/ratioScale up to ratioBins/ratioScale (4x);
// samples come from every sampleStep-th pixel of every sampleStep-th row,
// about 4,800 pairs at 320x240.
const (
	ratioScale = 128
	ratioBins  = 4 * ratioScale
	sampleStep = 4
	minRatioOf = 8 // pixels darker than this say nothing about a ratio
	minSamples = 64
)

// ratioRecip[d] is floor(2^32/d)+1: for n < 2^15, n*ratioRecip[d]>>32 is
// exactly n/d (the error is below n/2^32, far less than 1/d), which spares
// a division per sample.
var ratioRecip = func() (r [256]uint64) {
	for d := 1; d < 256; d++ {
		r[d] = 1<<32/uint64(d) + 1
	}
	return r
}()

func (h *ratioHist) reset() {
	clear(h.bins[:])
	h.n = 0
}

func (h *ratioHist) add(num, den int32) {
	if den < minRatioOf && num < minRatioOf {
		return
	}
	if den < 1 {
		den = 1
	}
	// num*ratioScale/den by a multiply: exact for num, den <= 255 (see
	// ratioRecip).
	r := int32(uint64(num*ratioScale) * ratioRecip[uint8(den)] >> 32)
	if r >= ratioBins {
		r = ratioBins - 1
	}
	h.bins[r]++
	h.n++
}

// median returns the median ratio times 256, or 256 (no change) when too
// few pixels were bright enough to tell.
func (h *ratioHist) median() int32 {
	if h.n < minSamples {
		return 256
	}
	half := h.n / 2
	var acc int32
	for i, c := range h.bins {
		acc += c
		if acc > half {
			// the bin's lower edge, where integer ratios land exactly
			return int32(i) * 256 / ratioScale
		}
	}
	return 256
}

// frameRatio is the median of a/b over the sample grid of a w x h
// picture, skipping masked pixels, times 256.
func (h *ratioHist) frameRatio(a, b, mask []byte, w, ht int) int32 {
	h.reset()
	for y := sampleStep / 2; y < ht; y += sampleStep {
		row := y * w
		for x := sampleStep / 2; x < w; x += sampleStep {
			i := row + x
			if mask[i] == 0 {
				h.add(int32(a[i]), int32(b[i]))
			}
		}
	}
	return h.median()
}

// toneMap is the picture's tone curve against the background: for each
// background level, how much brighter or darker the frame is there. A
// lamp or auto-exposure scales the picture, a brightness change shifts
// it, a contrast change does both and clipping bends the curve; one
// global gain fits only the first, so dark and bright parts of a dimming
// scene came out as motion. The curve is the median difference per band
// of background levels, so an object that covers less than half of a
// band's pixels does not bend it.
type toneMap struct {
	hist  [toneBands][2 * 256]int32 // per band: frame - background + 256
	count [toneBands]int32
	sum   [toneBands]int32 // of background levels, for the band's centre
	// delta is the expected frame - background per background level, in
	// gray levels x 256.
	delta [256]int32
	// off is true when some level's delta exceeds toneQuiet: pixels
	// clipped to black or white cannot be compared then.
	off bool
}

// toneBands split the background's levels into bands of 16; toneMin is
// the fewest samples a band needs to say anything (bands with fewer take
// their neighbours' offset); toneQuiet is the offset, in levels x 256,
// below which the curve counts as flat.
const (
	toneBands = 16
	toneStep  = 2
	toneMin   = 48
	toneQuiet = 8 << 8
)

// fit measures the curve on every toneStep-th pixel of every toneStep-th
// row of the unmasked picture.
func (t *toneMap) fit(bg []uint16, f, mask []byte, w, h int) {
	clear(t.hist[:])
	clear(t.count[:])
	clear(t.sum[:])
	for y := toneStep / 2; y < h; y += toneStep {
		row := y * w
		bgRow, fRow, mRow := bg[row:row+w], f[row:row+w], mask[row:row+w]
		for x := toneStep / 2; x < w; x += toneStep {
			if mRow[x] != 0 {
				continue
			}
			b := int32(bgRow[x] >> 8)
			band := b >> 4
			t.hist[band][int32(fRow[x])-b+256]++
			t.count[band]++
			t.sum[band] += b
		}
	}
	var centre, off [toneBands]int32
	n := 0
	for band := range toneBands {
		c := t.count[band]
		if c < toneMin {
			continue
		}
		half, acc := c/2, int32(0)
		med := int32(0)
		for i, v := range t.hist[band] {
			acc += v
			if acc > half {
				med = int32(i) - 256
				break
			}
		}
		centre[n] = t.sum[band] * 256 / c
		off[n] = med << 8
		n++
	}
	t.off = false
	if n == 0 {
		clear(t.delta[:])
		return
	}
	j := 0
	for lvl := range int32(256) {
		q := lvl<<8 + 128
		for j < n-1 && centre[j+1] <= q {
			j++
		}
		var d int32
		switch {
		case q <= centre[0]:
			d = off[0]
		case j == n-1:
			d = off[n-1]
		default:
			span := centre[j+1] - centre[j]
			d = off[j] + int32(int64(off[j+1]-off[j])*int64(q-centre[j])/int64(span))
		}
		t.delta[lvl] = d
		if d > toneQuiet || d < -toneQuiet {
			t.off = true
		}
	}
}

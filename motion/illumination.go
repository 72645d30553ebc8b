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
	r := num * ratioScale / den
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

// gainRatio is the median of background/frame: the factor that brings the
// frame to the background's brightness, times 256.
func (h *ratioHist) gainRatio(bg []uint16, f, mask []byte, w, ht int) int32 {
	h.reset()
	for y := sampleStep / 2; y < ht; y += sampleStep {
		row := y * w
		for x := sampleStep / 2; x < w; x += sampleStep {
			i := row + x
			if mask[i] == 0 {
				h.add(int32(bg[i]>>8), int32(f[i]))
			}
		}
	}
	return h.median()
}

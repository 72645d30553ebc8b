package motion

// background is the per-pixel model of the empty scene: a running average
// of each pixel's gray level, a running mean of its absolute difference
// from that average (its noise), and how many consecutive frames it has
// been foreground. All values are fixed point with 8 fractional bits
// (gray level x 256), so a frame costs integer arithmetic only.
type background struct {
	mean  []uint16
	noise []uint16
	still []uint16
}

// Learning rates as shifts: the average moves 1/32 of the way to each
// quiet frame (a time constant of about 6 s at 5 fps, slow enough that a
// walking person does not fade into it, fast enough to follow clouds),
// the noise estimate 1/64. Foreground pixels do not learn at all, until
// they have been foreground for the absorb time.
const (
	bgShift     = 5
	noiseShift  = 6
	settleShift = 1 // while lighting settles: halfway per frame
	maxQ        = 255 << 8
	initNoiseQ  = 2 << 8
)

func (b *background) resize(n int) {
	b.mean = grow(b.mean, n)
	b.noise = grow(b.noise, n)
	b.still = grow(b.still, n)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// start takes the first frame as the scene, with a small noise guess.
func (b *background) start(gray []byte) {
	for i, v := range gray[:len(b.mean)] {
		b.mean[i] = uint16(v) << 8
		b.noise[i] = initNoiseQ
		b.still[i] = 0
	}
}

// warm averages frame k (1-based after the first) into the model with
// weight 1/(k+1), which is a plain mean of the warmup frames, and the same
// for the noise.
func (b *background) warm(gray []byte, k int) {
	div := int32(k + 1)
	for i, v := range gray[:len(b.mean)] {
		m := int32(b.mean[i])
		d := int32(v)<<8 - m
		m += d / div
		b.mean[i] = uint16(m)
		if d < 0 {
			d = -d
		}
		nz := int32(b.noise[i])
		b.noise[i] = uint16(nz + (d-nz)/div)
	}
}

// rebaseline makes gray the scene, as after a lighting switch; the noise
// estimate is kept, since the sensor did not change.
func (b *background) rebaseline(gray []byte) {
	for i, v := range gray[:len(b.mean)] {
		b.mean[i] = uint16(v) << 8
		b.still[i] = 0
	}
}

// follow moves every pixel quickly towards gray, while auto-exposure or
// the IR filter settles after a lighting change.
func (b *background) follow(gray []byte) {
	for i, v := range gray[:len(b.mean)] {
		m := int32(b.mean[i])
		b.mean[i] = uint16(m + (int32(v)<<8-m)>>settleShift)
		b.still[i] = 0
	}
}

// classify marks fg[i]=1 where the frame, scaled by gainQ/256 to the
// background's brightness, differs from the background by more than the
// pixel's threshold (k/16 times its noise, at least floorQ), and learns
// from the rest. Masked pixels are never foreground and never learnt.
// Pixels clipped to black or white cannot be compared under a changed
// gain and are neither. A pixel foreground for absorb frames in a row
// becomes background. rows[y] gets row y's foreground count, so that the
// filter can skip empty rows; it returns the total. masked[y] says
// whether row y has any masked pixel: the other rows take a loop with no
// mask test, which is most rows of most cameras.
func (b *background) classify(gray, mask, fg []byte, rows []int32, masked []bool, w int, tone *toneMap, k, floorQ int32, absorb uint16) int {
	count := 0
	masked = masked[:len(rows)]
	for y := range rows {
		lo, hi := y*w, (y+1)*w
		var n int
		if masked[y] || tone.off {
			n = b.classifyRow(gray[lo:hi], mask[lo:hi], fg[lo:hi],
				b.mean[lo:hi], b.noise[lo:hi], b.still[lo:hi], tone, k, floorQ, absorb)
		} else {
			n = b.classifyOpen(gray[lo:hi], fg[lo:hi],
				b.mean[lo:hi], b.noise[lo:hi], b.still[lo:hi], &tone.delta, k, floorQ, absorb)
		}
		rows[y] = int32(n)
		count += n
	}
	return count
}

// classifyOpen is classifyRow for a row with no masked pixel under a flat
// tone curve (no clipping test): the same decisions, with two fewer
// branches per pixel.
func (b *background) classifyOpen(gray, fg []byte, mean, noise, still []uint16, delta *[256]int32, k, floorQ int32, absorb uint16) int {
	n := len(gray)
	fg = fg[:n]
	mean, noise, still = mean[:n], noise[:n], still[:n]
	count := 0
	for i, g := range gray {
		v := int32(g) << 8
		m := int32(mean[i])
		d := v - m - delta[uint8(m>>8)]
		s := d >> 31
		d = (d ^ s) - s
		nz := int32(noise[i])
		thr := max(nz*k>>4, floorQ)
		if d > thr {
			fg[i] = 1
			count++
			if s := still[i] + 1; s >= absorb {
				mean[i] = uint16(v)
				still[i] = 0
			} else {
				still[i] = s
			}
			continue
		}
		fg[i] = 0
		still[i] = 0
		mean[i] = uint16(m + (v-m)>>bgShift)
		noise[i] = uint16(nz + (d-nz)>>noiseShift)
	}
	return count
}

func (b *background) classifyRow(gray, mask, fg []byte, mean, noise, still []uint16, tone *toneMap, k, floorQ int32, absorb uint16) int {
	n := len(gray)
	mask, fg = mask[:n], fg[:n]
	mean, noise, still = mean[:n], noise[:n], still[:n]
	gainOff := tone.off
	delta := &tone.delta
	count := 0
	for i := range n {
		if mask[i] != 0 {
			fg[i] = 0
			continue
		}
		v := int32(gray[i])
		m := int32(mean[i])
		d := v<<8 - m - delta[uint8(m>>8)]
		if d < 0 {
			d = -d
		}
		nz := int32(noise[i])
		thr := nz * k >> 4
		if thr < floorQ {
			thr = floorQ
		}
		if gainOff && (v >= 250 || v <= 5) {
			fg[i] = 0
			still[i] = 0
			continue
		}
		if d > thr {
			fg[i] = 1
			count++
			if s := still[i] + 1; s >= absorb {
				mean[i] = uint16(v << 8)
				still[i] = 0
			} else {
				still[i] = s
			}
			continue
		}
		fg[i] = 0
		still[i] = 0
		mean[i] = uint16(m + (v<<8-m)>>bgShift)
		noise[i] = uint16(nz + (d-nz)>>noiseShift)
	}
	return count
}

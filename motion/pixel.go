package motion

import (
	"time"
)

// Frame is one decoded picture at the detect rate: 8-bit gray, row-major,
// Width bytes per row. The detector only reads Gray during Observe, so a
// decoder may reuse the buffer for its next frame.
type Frame struct {
	Width, Height int
	Gray          []byte
	Time          time.Time
}

// Status says what the detector made of a frame, so the caller can count
// the frames it could not use and tell lighting changes from quiet.
type Status int

// Frame statuses.
const (
	// Scored: the frame was compared with the background.
	Scored Status = iota + 1
	// Warming: the detector is still learning the scene (a new camera, a
	// new picture size); nothing is scored.
	Warming
	// Lighting: the whole picture changed at once (a lamp, the IR cut
	// filter, auto-exposure); the background was re-learnt and the frame
	// counts as quiet.
	Lighting
	// Invalid: the frame was malformed (size, buffer) and ignored.
	Invalid
	// Shaken: the whole picture slid against the background (wind on the
	// mount, a passing truck); the frame counts as quiet and teaches the
	// background nothing, so the scene is still known when the camera
	// comes to rest.
	Shaken
)

func (s Status) String() string {
	switch s {
	case Scored:
		return "scored"
	case Warming:
		return "warming"
	case Lighting:
		return "lighting"
	case Invalid:
		return "invalid"
	case Shaken:
		return "shaken"
	}
	return "none"
}

// Box is a moving region's bounding box in normalised coordinates (0..1
// of the picture's width and height), the same space as zones and masks,
// so it can be drawn on a snapshot of any size.
type Box struct {
	X, Y, W, H float64
	// Area is the region's changed area in percent of the frame.
	Area float64
}

// PixelResult is what one frame showed. Boxes and Zones are reused by the
// next Observe: copy them to keep them.
type PixelResult struct {
	Time   time.Time
	Status Status
	// Moving is true when at least one region reached the minimum area.
	Moving bool
	// Score is the counted area over the minimum area: 1 or more means
	// moving, and it grows with the size of what moves.
	Score float64
	// Area is the counted regions' area in percent of the frame.
	Area float64
	// Changed is the percent of unmasked pixels that differed from the
	// background before noise filtering: a tamper or lighting hint.
	Changed float64
	// Tracking counts the small regions followed but not yet counted
	// (small.go): maybe a distant person, a reason to look closer.
	Tracking int
	// Boxes are the counted regions, largest first (at most 16).
	Boxes []Box
	// Zones are the names of the zones the counted regions touched, in
	// configuration order.
	Zones []string
}

// PixelDetector finds motion in decoded gray frames of one camera: an
// adaptive background, a per-pixel noise-scaled threshold, a 3x3 majority
// filter, connected regions, masks and zones, rejection of lighting
// changes, and the same start/end hysteresis as the compressed tier. It
// is not safe for concurrent use; each camera owns one.
type PixelDetector struct {
	cfg    PixelConfig
	k      int32
	floorQ int32
	hyst   hysteresis

	w, h       int
	frames     int // frames seen at this size
	unmasked   int
	minArea    int // pixels
	smallArea  int // pixels
	small      smallTracker
	counted    []region
	bg         background
	prev       []byte
	mask       []byte
	maskedRows []bool // rows with a masked pixel
	zoneBits   []uint32
	fg         []byte
	filtered   []byte
	colSum     []uint8
	rows       []int32 // foreground pixels per row
	live       []bool  // rows the filter may have left a pixel in
	finder     regionFinder
	hist       ratioHist
	tone       toneMap
	shake      shakeMeter

	lastT       time.Time
	interval    time.Duration // smoothed frame interval
	settleUntil time.Time

	boxes []Box
	zones []string
}

// NewPixel returns a pixel detector; cfg's zero fields take the defaults.
// The picture size is learnt from the first frame.
func NewPixel(cfg PixelConfig) (*PixelDetector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &PixelDetector{
		cfg:    c,
		k:      pixelK[c.Sensitivity-1],
		floorQ: pixelFloor[c.Sensitivity-1] << 8,
		hyst:   hysteresis{minDuration: c.MinDuration, postRoll: c.PostRoll},
		boxes:  make([]Box, 0, maxBoxes),
		zones:  make([]string, 0, len(c.Zones)),
	}, nil
}

// Active reports whether a motion interval is open.
func (d *PixelDetector) Active() bool { return d.hyst.active }

// Stop closes an open interval, e.g. when the stream is lost; it reports
// false when none was open. The background is kept.
func (d *PixelDetector) Stop() (Transition, bool) { return d.hyst.stop() }

// Reset forgets the scene and any open interval, as for a new camera.
func (d *PixelDetector) Reset() {
	d.hyst.reset()
	d.w, d.h, d.frames = 0, 0, 0
	d.lastT, d.settleUntil = time.Time{}, time.Time{}
	d.interval = 0
}

func validFrame(f Frame) bool {
	return f.Width >= minFrameSide && f.Height >= minFrameSide &&
		f.Width <= maxFrameSide && f.Height <= maxFrameSide &&
		len(f.Gray) >= f.Width*f.Height
}

// Observe scores one frame and reports a transition when a motion
// interval opens or closes. A malformed frame is ignored (Status Invalid)
// and changes nothing; a frame of a new size restarts learning and closes
// an open interval.
func (d *PixelDetector) Observe(f Frame) (PixelResult, Transition, bool) {
	res := PixelResult{Time: f.Time, Status: Invalid, Boxes: d.boxes[:0], Zones: d.zones[:0]}
	if !validFrame(f) {
		return res, Transition{}, false
	}
	gray := f.Gray[:f.Width*f.Height]
	if f.Width != d.w || f.Height != d.h {
		tr, ok := d.hyst.stop()
		d.resize(f.Width, f.Height)
		d.bg.start(gray)
		copy(d.prev, gray)
		d.frames = 1
		d.lastT = f.Time
		res.Status = Warming
		return res, tr, ok
	}
	d.track(f.Time)
	d.frames++
	defer copy(d.prev, gray)

	if d.frames <= d.cfg.Warmup {
		d.bg.warm(gray, d.frames-1)
		res.Status = Warming
		return res, Transition{}, false
	}

	res.Status = Lighting
	jump := d.hist.frameRatio(gray, d.prev, d.mask, d.w, d.h)
	limit := int32(d.cfg.BrightnessJump*256 + 0.5)
	if jump > 256+limit || jump < 256-limit {
		d.bg.rebaseline(gray)
		d.settleUntil = f.Time.Add(d.cfg.Settle)
		tr, ok := d.hyst.step(f.Time, false, 0)
		return res, tr, ok
	}
	if f.Time.Before(d.settleUntil) {
		d.bg.follow(gray)
		tr, ok := d.hyst.step(f.Time, false, 0)
		return res, tr, ok
	}

	if d.shake.shaken(d.bg.mean, gray, d.w, d.h) {
		res.Status = Shaken
		tr, ok := d.hyst.step(f.Time, false, 0)
		return res, tr, ok
	}
	d.tone.fit(d.bg.mean, gray, d.mask, d.w, d.h)
	changed := d.bg.classify(gray, d.mask, d.fg, d.rows, d.maskedRows, d.w, &d.tone, d.k, d.floorQ, d.absorbFrames())
	if d.unmasked > 0 {
		res.Changed = 100 * float64(changed) / float64(d.unmasked)
	}
	if float64(changed) > d.cfg.GlobalChange*float64(d.unmasked) {
		d.bg.rebaseline(gray)
		d.settleUntil = f.Time.Add(d.cfg.Settle)
		tr, ok := d.hyst.step(f.Time, false, 0)
		return res, tr, ok
	}

	res.Status = Scored
	majority3x3(d.fg, d.filtered, d.rows, d.live, d.colSum, d.w, d.h)
	var zoneBits []uint32
	if len(d.cfg.Zones) > 0 {
		zoneBits = d.zoneBits
	}
	found := d.finder.find(d.filtered, zoneBits, d.live, d.w, d.h, d.smallArea)
	big := 0
	for big < len(found) && found[big].area >= d.minArea {
		big++
	}
	regions := d.uncluttered(found[:big], changed)
	if d.smallArea < d.minArea {
		regions = d.withSmall(regions, found[:big], found[big:], changed)
		res.Tracking = d.small.pending
	}
	total := float64(d.w * d.h)
	var area int
	var hit uint32
	for i, r := range regions {
		area += r.area
		hit |= r.zones
		if i < maxBoxes {
			res.Boxes = append(res.Boxes, Box{
				X:    float64(r.minX) / float64(d.w),
				Y:    float64(r.minY) / float64(d.h),
				W:    float64(r.maxX+1-r.minX) / float64(d.w),
				H:    float64(r.maxY+1-r.minY) / float64(d.h),
				Area: 100 * float64(r.area) / total,
			})
		}
	}
	for i, z := range d.cfg.Zones {
		if hit&(1<<i) != 0 {
			res.Zones = append(res.Zones, z.Name)
		}
	}
	res.Moving = len(regions) > 0
	res.Area = 100 * float64(area) / total
	res.Score = float64(area) / float64(d.minArea)
	tr, ok := d.hyst.step(f.Time, res.Moving, res.Score)
	return res, tr, ok
}

// resize prepares the model for a w x h picture; buffers are reused when
// large enough.
func (d *PixelDetector) resize(w, h int) {
	n := w * h
	d.w, d.h = w, h
	d.bg.resize(n)
	d.prev = grow(d.prev, n)
	d.mask = grow(d.mask, n)
	d.fg = grow(d.fg, n)
	d.filtered = grow(d.filtered, n)
	d.colSum = grow(d.colSum, w)
	d.rows = grow(d.rows, h)
	d.live = grow(d.live, h)
	d.live = grow(d.live, h)
	d.shake.resize(w, h)
	if len(d.cfg.Zones) > 0 {
		d.zoneBits = grow(d.zoneBits, n)
	} else {
		d.zoneBits = nil
	}
	rasterise(w, h, d.cfg.Masks, d.cfg.Zones, d.mask, d.zoneBits)
	d.unmasked = 0
	d.maskedRows = grow(d.maskedRows, h)
	for y := range h {
		d.maskedRows[y] = false
		for _, m := range d.mask[y*w : (y+1)*w] {
			if m == 0 {
				d.unmasked++
			} else {
				d.maskedRows[y] = true
			}
		}
	}
	d.minArea = max(1, int(d.cfg.MinArea/100*float64(n)+0.5))
	d.smallArea = min(d.minArea, max(1, int(d.cfg.SmallArea/100*float64(n)+0.5)))
	d.small.reset()
	d.interval = 0
	d.settleUntil = time.Time{}
}

// track keeps a smoothed frame interval, to turn the absorb time into a
// number of frames whatever the detect rate.
func (d *PixelDetector) track(t time.Time) {
	if t.Before(d.lastT) {
		d.settleUntil = time.Time{} // a new clock: the old deadline means nothing
	}
	if !d.lastT.IsZero() {
		if dt := t.Sub(d.lastT); dt > 0 && dt < 10*time.Second {
			if d.interval == 0 {
				d.interval = dt
			} else {
				d.interval += (dt - d.interval) / 8
			}
		}
	}
	d.lastT = t
}

// absorbFrames is the absorb time in frames at the observed rate (5 fps
// until the rate is known).
func (d *PixelDetector) absorbFrames() uint16 {
	iv := d.interval
	if iv <= 0 {
		iv = 200 * time.Millisecond
	}
	n := int64(d.cfg.Absorb / iv)
	return uint16(min(max(n, 2), 65535))
}

// withSmall adds to the counted regions the small ones tracked long
// enough (small.go), on a frame whose clutter leaves room for them: few
// pixels changed outside the regions of the minimum area.
func (d *PixelDetector) withSmall(counted, big, small []region, changed int) []region {
	inBig, inSmall := 0, 0
	for _, r := range big {
		inBig += r.area
	}
	for _, r := range small {
		inSmall += r.area
	}
	scattered := float64(max(changed-inBig-inSmall, 0)) / float64(max(d.unmasked, 1))
	if scattered > smallClutter || len(small) > maxSmallTracks {
		d.small.reset()
		return counted
	}
	d.counted = append(d.counted[:0], counted...)
	d.counted = d.small.confirmed(d.frames, small, d.cfg.SmallFrames, d.counted)
	return d.counted
}

// clutterUnit is the share of the unmasked picture, scattered over pixels
// outside any region, that doubles the minimum area.
const clutterUnit = 0.02

// uncluttered drops regions too small for the frame's clutter. Rain,
// snow and insects at night change pixels all over the picture, most of
// them alone or in specks the filter removes, and a few that clump into
// streaks as large as a distant person. The changed pixels left outside
// the regions measure that clutter; the minimum area grows with it, so a
// streak no longer counts while a person, many times larger, still does.
// A clean picture has almost no scattered pixels and keeps the
// configured minimum.
func (d *PixelDetector) uncluttered(regions []region, changed int) []region {
	if d.unmasked == 0 {
		return regions
	}
	inRegions := 0
	for _, r := range regions {
		inRegions += r.area
	}
	scattered := float64(max(changed-inRegions, 0)) / float64(d.unmasked)
	need := float64(d.minArea) * (1 + scattered/clutterUnit)
	n := 0
	for n < len(regions) && float64(regions[n].area) >= need {
		n++
	}
	return regions[:n]
}

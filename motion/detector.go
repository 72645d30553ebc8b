package motion

import (
	"time"
)

// Kind says which way a Transition goes.
type Kind int

// Transition kinds.
const (
	// Start opens a motion interval.
	Start Kind = iota + 1
	// End closes the open interval.
	End
)

func (k Kind) String() string {
	switch k {
	case Start:
		return "start"
	case End:
		return "end"
	}
	return "none"
}

// Transition is an interval opening or closing. On Start, At equals
// Started (the first moving frame); on End, At is the last moving frame,
// so At-Started is the interval's length without the post-roll.
type Transition struct {
	Kind    Kind
	Started time.Time
	At      time.Time
	// Score is the highest score seen in the interval so far.
	Score float64
}

// Duration is the interval's length, from its first to its last moving
// frame.
func (t Transition) Duration() time.Duration { return t.At.Sub(t.Started) }

// Detector turns a stream of frame sizes into motion intervals for one
// camera. It is not safe for concurrent use; each camera owns one.
type Detector struct {
	cfg       Config
	threshold float64
	base      *baseline
	recent    []int // last cfg.Smooth P-frame sizes, circular
	recentI   int

	score float64
	h     hysteresis
	skip  int // counts frames admitted to the baseline while hot
}

// New returns a detector; cfg's zero fields take the package defaults.
func New(cfg Config) (*Detector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Detector{
		cfg:       c,
		threshold: Threshold(c.Sensitivity),
		base:      newBaseline(c.Window),
		recent:    make([]int, 0, c.Smooth),
		h:         hysteresis{minDuration: c.MinDuration, postRoll: c.PostRoll},
	}, nil
}

// Score is the latest frame's score: the rise of the recent median P-frame
// size over the baseline median, in robust standard deviations.
func (d *Detector) Score() float64 { return d.score }

// Threshold is the score above which a frame counts as moving.
func (d *Detector) Threshold() float64 { return d.threshold }

// Active reports whether a motion interval is open.
func (d *Detector) Active() bool { return d.h.active }

// Observe feeds one frame: its arrival time, encoded size in bytes and
// whether it is a keyframe. Keyframes are ignored: they are large by
// nature and would poison the baseline and trigger on every GOP. It
// reports a transition when an interval opens or closes.
func (d *Detector) Observe(t time.Time, size int, keyframe bool) (Transition, bool) {
	if keyframe || size <= 0 {
		return Transition{}, false
	}
	d.h.clock(t)
	d.pushRecent(size)

	if d.base.len() < d.cfg.Warmup {
		d.base.add(size)
		d.score = 0
		return Transition{}, false
	}
	d.score = d.scoreNow()
	hot := d.score >= d.threshold
	d.learn(size, hot)

	return d.h.decide(t, hot, d.score)
}

// Stop closes an open interval, e.g. when the stream is lost; it reports
// false when none was open. The baseline is kept.
func (d *Detector) Stop() (Transition, bool) { return d.h.stop() }

// Reset forgets everything, as for a new camera.
func (d *Detector) Reset() {
	d.base.reset()
	d.recent = d.recent[:0]
	d.recentI = 0
	d.score = 0
	d.h.reset()
	d.skip = 0
}

func (d *Detector) pushRecent(size int) {
	if len(d.recent) < cap(d.recent) {
		d.recent = append(d.recent, size)
		return
	}
	d.recent[d.recentI] = size
	d.recentI = (d.recentI + 1) % len(d.recent)
}

// spreadFloor keeps a near-constant baseline (a still, clean picture,
// whose P-frames are a few dozen bytes) from turning every byte of jitter
// into many sigmas: a rise must also be large against the median itself.
// Under CRF a moving person adds 25% to several times the normal size;
// slow drifts of the scene stay well within 15%.
const (
	spreadFloorRel   = 0.15 // of the median
	spreadFloorBytes = 4
)

func (d *Detector) scoreNow() float64 {
	med := d.base.median()
	spread := 1.4826 * d.base.mad
	spread = max(spread, spreadFloorRel*med, spreadFloorBytes)
	return (d.recentMedian() - med) / spread
}

// recentMedian is the median of the last few P-frames: one odd frame
// (a burst of noise, a dropped packet's repair) cannot move it, a moving
// object that enlarges most frames does.
func (d *Detector) recentMedian() float64 {
	var buf [maxSmooth]int
	n := copy(buf[:], d.recent)
	s := buf[:n]
	for i := 1; i < n; i++ { // insertion sort: n is tiny
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// hotAdmit is how often a frame scored above the threshold still enters
// the baseline: rarely, so a passing object does not become the normal,
// but a lasting change of scene (lights, rain) eventually does.
const hotAdmit = 4

// coldFraction: a P-frame smaller than this part of the baseline median
// is a frozen or blanked picture (the encoder repeats the last frame for
// a few bytes), not a quieter scene; it enters the baseline as rarely as
// a hot frame, so that the picture coming back to life is not scored as
// motion against a baseline learnt from the freeze.
const coldFraction = 0.5

func (d *Detector) learn(size int, hot bool) {
	cold := float64(size) < coldFraction*d.base.median()
	if !hot && !d.h.active && !cold {
		d.base.add(size)
		return
	}
	d.skip++
	if d.skip%hotAdmit == 0 {
		d.base.add(size)
	}
}

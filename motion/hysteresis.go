package motion

import "time"

// hysteresis turns a per-frame moving/quiet verdict into intervals with a
// minimum duration and a post-roll. Both tiers (Detector on frame sizes,
// PixelDetector on pictures) use it, so they open and close intervals
// alike.
type hysteresis struct {
	minDuration, postRoll time.Duration

	lastT   time.Time
	above   bool
	aboveAt time.Time
	belowAt time.Time
	lastHot time.Time
	active  bool
	started time.Time
	peak    float64
}

func (h *hysteresis) step(t time.Time, hot bool, score float64) (Transition, bool) {
	h.clock(t)
	return h.decide(t, hot, score)
}

// clock notes a frame's time; a clock that went backwards (a new session,
// a wrapped timestamp) voids the run timers. A tier that skips frames for
// the verdict (warm-up) still calls it for every frame.
func (h *hysteresis) clock(t time.Time) {
	if !h.lastT.IsZero() && t.Before(h.lastT) {
		// The clock went backwards: the run timers mean nothing any more.
		h.above = false
		if h.active {
			h.belowAt = t
			h.lastHot = t
		}
	}
	h.lastT = t
}

// decide applies one frame's verdict; clock must have seen t.
func (h *hysteresis) decide(t time.Time, hot bool, score float64) (Transition, bool) {
	if hot {
		if !h.above {
			h.aboveAt = t
		}
		h.above = true
		if h.active {
			h.lastHot = t
			h.belowAt = time.Time{}
			h.peak = max(h.peak, score)
			return Transition{}, false
		}
		if t.Sub(h.aboveAt) >= h.minDuration {
			h.active = true
			h.started = h.aboveAt
			h.lastHot = t
			h.peak = score
			return Transition{Kind: Start, Started: h.started, At: h.started, Score: h.peak}, true
		}
		return Transition{}, false
	}
	h.above = false
	if !h.active {
		return Transition{}, false
	}
	if h.belowAt.IsZero() {
		h.belowAt = t
	}
	if t.Sub(h.belowAt) >= h.postRoll {
		return h.close(), true
	}
	return Transition{}, false
}

func (h *hysteresis) stop() (Transition, bool) {
	h.above = false
	if !h.active {
		return Transition{}, false
	}
	return h.close(), true
}

func (h *hysteresis) close() Transition {
	tr := Transition{Kind: End, Started: h.started, At: h.lastHot, Score: h.peak}
	h.active = false
	h.belowAt = time.Time{}
	h.peak = 0
	return tr
}

func (h *hysteresis) reset() {
	*h = hysteresis{minDuration: h.minDuration, postRoll: h.postRoll}
}

package clip

import "time"

// Frame is one access unit of a camera's stream, as the edge's
// assembler delivers it.
type Frame struct {
	// TS is the stream time (RTP timestamp) of the unit.
	TS time.Duration
	// At is when its first packet arrived; pre-roll, post-roll and the
	// length cap are measured in it.
	At  time.Time
	Key bool
	// AU is the access unit in Annex-B; Recorder copies it.
	AU []byte
}

// ring is the pre-roll: the newest frames of a camera, starting at a
// keyframe, covering at least the pre-roll when the stream allows, and
// never holding more than maxBytes.
type ring struct {
	frames   []Frame
	bytes    int
	preRoll  time.Duration
	maxBytes int
	// evicted counts frames dropped for the byte bound before their time.
	evicted uint64
}

// add keeps a copy of f and drops what is no longer needed: whole GOPs
// older than the pre-roll (the clip must start at the keyframe at or
// before now - pre-roll), and the oldest frames beyond the byte bound.
func (r *ring) add(f Frame) {
	f.AU = append([]byte(nil), f.AU...)
	r.frames = append(r.frames, f)
	r.bytes += len(f.AU)
	cutoff := f.At.Add(-r.preRoll)
	// Drop the first GOP while the next keyframe is still at or before
	// the cutoff: the pre-roll can start there.
	for {
		next := -1
		for i := 1; i < len(r.frames); i++ {
			if r.frames[i].Key {
				next = i
				break
			}
		}
		if next < 0 || r.frames[next].At.After(cutoff) {
			break
		}
		r.drop(next)
	}
	// Over the byte bound the oldest whole GOP goes (a P-frame without
	// its references is useless); with one GOP left, all of it, and the
	// ring starts again at the next keyframe.
	for r.bytes > r.maxBytes && len(r.frames) > 0 {
		n := len(r.frames)
		for i := 1; i < len(r.frames); i++ {
			if r.frames[i].Key {
				n = i
				break
			}
		}
		r.evicted += uint64(n)
		r.drop(n)
	}
	// Frames before the first keyframe cannot start a clip.
	for len(r.frames) > 0 && !r.frames[0].Key {
		r.drop(1)
	}
}

func (r *ring) drop(n int) {
	for _, f := range r.frames[:n] {
		r.bytes -= len(f.AU)
	}
	copy(r.frames, r.frames[n:])
	for i := len(r.frames) - n; i < len(r.frames); i++ {
		r.frames[i] = Frame{}
	}
	r.frames = r.frames[:len(r.frames)-n]
}

func (r *ring) reset() {
	clear(r.frames)
	r.frames, r.bytes = r.frames[:0], 0
}

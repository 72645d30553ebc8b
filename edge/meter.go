package edge

import (
	"time"
)

// meterWindow is the span FPS and bitrate are averaged over.
const meterWindow = 5 * time.Second

// meterRing holds enough frames for meterWindow at up to 60 fps.
const meterRing = 512

type sample struct {
	at   int64 // unix nanoseconds of arrival
	size int32
}

// meter measures a camera's stream from the frames it delivers. It is fed
// from the supervisor goroutine only and allocates nothing per frame.
type meter struct {
	ring    [meterRing]sample
	n, next int
	frames  uint64
	bytes   uint64
	last    time.Time // arrival of the last frame
	lastKey time.Time
	keyInt  time.Duration
}

// add counts a frame at the time it was taken (the stream clock: a burst
// of frames the agent was late to read still counts at the camera's
// rate; with broken timestamps that is the arrival).
func (m *meter) add(f frame) {
	at := f.taken
	if at.IsZero() {
		at = f.arrived
	}
	m.ring[m.next] = sample{at: at.UnixNano(), size: int32(min(f.size, 1<<31-1))}
	m.next = (m.next + 1) % meterRing
	if m.n < meterRing {
		m.n++
	}
	m.frames++
	m.bytes += uint64(f.size)
	m.last = f.arrived
	if f.keyframe {
		if !m.lastKey.IsZero() {
			m.keyInt = at.Sub(m.lastKey)
		}
		m.lastKey = at
	}
}

// newSession forgets the rate window and the keyframe clock; totals stay.
func (m *meter) newSession() {
	m.n, m.next = 0, 0
	m.lastKey = time.Time{}
	m.keyInt = 0
}

// rates returns frames per second and kilobits per second over the frames
// of the last meterWindow before now, and the span actually covered.
func (m *meter) rates(now time.Time) (fps, kbps float64, window time.Duration) {
	from := now.Add(-meterWindow).UnixNano()
	var count int
	var bytes int64
	var oldest, newest int64
	for i := 1; i <= m.n; i++ {
		s := m.ring[(m.next-i+meterRing)%meterRing]
		if s.at < from {
			break
		}
		if count == 0 {
			newest = s.at
		} else {
			bytes += int64(s.size) // count-1 frames' bytes over count-1 intervals
		}
		oldest = s.at
		count++
	}
	if count < 2 || newest <= oldest {
		return 0, 0, 0
	}
	span := time.Duration(newest - oldest)
	return float64(count-1) / span.Seconds(), float64(bytes) * 8 / 1000 / span.Seconds(), span
}

package edge

import (
	"encoding/binary"
	"time"
)

// frame is one video frame assembled from the RTSP client's packets.
type frame struct {
	ts       time.Duration // stream time of its packets
	arrived  time.Time     // arrival of its first packet
	size     int
	keyframe bool
	// qpBytes and qpSum are the bytes of the slices whose QP was read and
	// their sum of bytes x QP (H.264 only; see complexity).
	qpBytes int
	qpSum   float64
}

// assembler groups vdk's packets, one per slice NAL, into frames: slices
// of one frame share a stream timestamp. A frame is complete when a packet
// with another timestamp arrives.
type assembler struct {
	cur  frame
	open bool
	// slices, when set, reads an H.264 packet's slice headers into the
	// frame being assembled.
	slices func(f *frame, data []byte)
}

// add feeds one packet and returns the frame it completed, if any.
func (a *assembler) add(ts time.Duration, at time.Time, data []byte, flagged bool, hevc bool) (frame, bool) {
	key := flagged || hasIDR(data, hevc)
	if a.open && ts == a.cur.ts {
		a.cur.size += len(data)
		a.cur.keyframe = a.cur.keyframe || key
		a.readSlices(data, hevc)
		return frame{}, false
	}
	done, ok := a.cur, a.open
	a.cur = frame{ts: ts, arrived: at, size: len(data), keyframe: key}
	a.open = true
	a.readSlices(data, hevc)
	return done, ok
}

func (a *assembler) readSlices(data []byte, hevc bool) {
	if a.slices != nil && !hevc {
		a.slices(&a.cur, data)
	}
}

// reset drops a half-assembled frame, at the end of a session.
func (a *assembler) reset() { a.open = false }

// hasIDR reports whether an AVCC payload (4-byte big-endian lengths)
// holds an IDR slice. vdk flags IDRs that arrive as FU-A but not those
// packed into a STAP-A, which small frames are.
func hasIDR(data []byte, hevc bool) bool {
	for len(data) >= 5 {
		n := binary.BigEndian.Uint32(data)
		nal := data[4]
		if hevc {
			if t := (nal >> 1) & 0x3f; t >= 16 && t <= 21 { // BLA, IDR, CRA
				return true
			}
		} else if nal&0x1f == 5 {
			return true
		}
		if uint64(n) > uint64(len(data)-4) {
			return false
		}
		data = data[4+n:]
	}
	return false
}

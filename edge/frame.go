package edge

import (
	"encoding/binary"
	"time"

	"github.com/camwatch/camwatch/decode"
)

// frame is one video frame (access unit) assembled from the RTSP client's
// packets.
type frame struct {
	ts       time.Duration // stream time of its packets
	arrived  time.Time     // arrival of its first packet
	size     int
	keyframe bool
	// qpBytes and qpSum are the bytes of the slices whose QP was read and
	// their sum of bytes x QP (H.264 only; see complexity).
	qpBytes int
	qpSum   float64
	// slices counts its coded slices; a unit without one is no frame.
	slices int
	// au is the access unit in Annex-B (without the out-of-band parameter
	// sets): what the decoder reads and a clip recorder keeps. It is valid
	// until the assembler's next add.
	au []byte
}

// assembler groups vdk's packets, one per NAL unit, into access units.
// Cameras disagree on every single signal, so each one ends a unit: the
// RTP marker bit (the unit's last packet), an access unit delimiter, a
// slice that starts a picture (H.264 first_mb_in_slice 0, H.265
// first_slice_segment_in_pic_flag) after the unit already has one, and a
// change of timestamp. A camera with a constant or jumping RTP timestamp,
// or one that never sets the marker, still yields frames; timestamps that
// fail to increase are counted, and tsBroken reports them.
type assembler struct {
	cur  frame
	open bool
	// slices, when set, reads an H.264 packet's slice headers into the
	// frame being assembled.
	slices func(f *frame, data []byte)

	bufs [2][]byte // Annex-B of the unit being built and of the last one
	nbuf int
	out  []frame

	lastTS          time.Duration
	haveTS          bool
	tsFrames, tsBad int
	tsBroken        bool
}

// tsWindow frames are judged at a time; a third or more whose timestamp
// did not increase makes the stream's timestamps broken.
const tsWindow = 30

// add feeds one packet and returns the frames it completed (none, one, or
// two when it both ended the open unit and completed its own). They are
// valid until the next call.
func (a *assembler) add(ts time.Duration, at time.Time, data []byte, flagged, marker, hevc bool) []frame {
	a.out = a.out[:0]
	aud, vcl, first := nalInfo(data, hevc)
	if a.open && (aud || ts != a.cur.ts || (vcl && first && a.cur.slices > 0)) {
		a.finish()
	}
	if !a.open {
		a.nbuf ^= 1
		a.cur = frame{ts: ts, arrived: at, au: a.bufs[a.nbuf][:0]}
		a.open = true
	}
	a.cur.size += len(data)
	a.cur.keyframe = a.cur.keyframe || flagged || hasIDR(data, hevc)
	if vcl {
		a.cur.slices++
	}
	a.cur.au = decode.AppendAnnexB(a.cur.au, data)
	a.bufs[a.nbuf] = a.cur.au
	if a.slices != nil && !hevc {
		a.slices(&a.cur, data)
	}
	if marker && a.cur.slices > 0 {
		a.finish()
	}
	return a.out
}

// finish closes the open unit; one without a coded slice is dropped.
func (a *assembler) finish() {
	a.open = false
	if a.cur.slices == 0 {
		return
	}
	if a.haveTS && a.cur.ts <= a.lastTS {
		a.tsBad++
	}
	a.lastTS, a.haveTS = a.cur.ts, true
	if a.tsFrames++; a.tsFrames >= tsWindow {
		a.tsBroken = a.tsBad*3 >= a.tsFrames
		a.tsFrames, a.tsBad = 0, 0
	}
	a.out = append(a.out, a.cur)
}

// reset drops a half-assembled frame, at the end of a session; the
// timestamp judgement starts over.
func (a *assembler) reset() {
	a.open = false
	a.haveTS, a.tsFrames, a.tsBad, a.tsBroken = false, 0, 0, false
}

// nalInfo reads the first NAL unit of an AVCC payload: whether it is an
// access unit delimiter, a coded slice, and a slice that starts a picture.
func nalInfo(data []byte, hevc bool) (aud, vcl, first bool) {
	if len(data) < 5 {
		return false, false, false
	}
	nal := data[4:]
	if hevc {
		t := (nal[0] >> 1) & 0x3f
		return t == 35, t <= 31, t <= 31 && len(nal) > 2 && nal[2]&0x80 != 0
	}
	t := nal[0] & 0x1f
	return t == 9, t >= 1 && t <= 5, t >= 1 && t <= 5 && len(nal) > 1 && nal[1]&0x80 != 0
}

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

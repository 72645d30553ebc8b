package edge

import (
	"encoding/binary"
	"time"

	"github.com/camwatch/camwatch/decode"
)

// frame is one video frame (access unit) assembled from the RTSP client's
// packets.
type frame struct {
	ts      time.Duration // stream time of its packets
	arrived time.Time     // arrival of its first packet
	// taken is when the camera took it, as far as the stream's timestamps
	// tell (streamClock): what the detectors are fed, so a backlog in the
	// agent does not squeeze or stretch what they see.
	taken    time.Time
	size     int
	keyframe bool
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
	cur   frame
	open  bool
	clock streamClock

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
	a.cur.taken = a.clock.at(a.cur.ts, a.cur.arrived)
	a.out = append(a.out, a.cur)
}

// reset drops a half-assembled frame, at the end of a session; the
// timestamp judgement starts over.
func (a *assembler) reset() {
	a.open = false
	a.haveTS, a.tsFrames, a.tsBad, a.tsBroken = false, 0, 0, false
	a.clock = streamClock{}
}

// Stream clock. A frame's arrival is when the supervisor took its first
// packet from the RTSP client, which is late by whatever the agent was
// busy with (a decode, a stop-the-world, a loaded machine): a backlog
// delivers a second of frames in a burst, and a detector fed arrival
// times would see them squeezed together, then a gap (a quiet picture
// "frozen" for the length of the gap, a walker crossing in no time). The
// RTP timestamp says when the camera took the frame; streamClock maps it
// onto the agent's clock through the least delay seen over the last
// clockWindow (a sliding minimum), so the times keep the camera's
// spacing and lie as close to the arrivals as the fastest frames allow,
// and a camera clock running slow or fast is followed within a window.
// Timestamps that stand still, run backwards or jump fall back to the
// arrival (and the assembler reports them broken).
type streamClock struct {
	have   bool
	lastTS time.Duration // the last frame's timestamp, as the client gave it
	stream time.Duration // unwrapped stream time of the last frame
	// mins holds, oldest first, the frames of the last clockWindow whose
	// offset (arrival minus stream time) no later frame undercuts: the
	// first is the window's least offset.
	mins []clockSample
	head int       // mins[head:] is in use
	last time.Time // the last estimate: estimates never go back
}

type clockSample struct {
	arrived time.Time
	offset  time.Time // arrived - stream: the wall time of stream time 0
}

const (
	// clockWindow is how long the least delay is remembered: a backlog
	// shorter than this does not move the clock.
	clockWindow = 30 * time.Second
	// clockSamples bounds mins (a camera whose clock runs slow keeps
	// every frame of the window there).
	clockSamples = 512
	// maxTSStep is the largest timestamp step taken as the stream's own
	// (a camera pausing); a larger one re-anchors on the arrival.
	maxTSStep = 5 * time.Second
)

// at is when the frame with timestamp ts, which arrived at arrived, was
// taken.
func (c *streamClock) at(ts time.Duration, arrived time.Time) time.Time {
	if c.have {
		d := ts - c.lastTS
		if d < -tsWrap/2 {
			d += tsWrap
		} else if d > tsWrap/2 {
			d -= tsWrap
		}
		c.lastTS = ts
		if d > 0 && d <= maxTSStep {
			c.stream += d
		} else {
			// Unusable: this frame's time is its arrival, and the
			// stream starts over from it.
			c.stream, c.mins, c.head = 0, c.mins[:0], 0
		}
	} else {
		c.have, c.lastTS, c.stream, c.last = true, ts, 0, arrived
	}
	off := arrived.Add(-c.stream)
	for len(c.mins) > c.head && !c.mins[len(c.mins)-1].offset.Before(off) {
		c.mins = c.mins[:len(c.mins)-1]
	}
	if len(c.mins)-c.head == clockSamples {
		c.head++
	}
	if c.head > 0 && len(c.mins) == cap(c.mins) {
		c.mins = append(c.mins[:0], c.mins[c.head:]...)
		c.head = 0
	}
	c.mins = append(c.mins, clockSample{arrived: arrived, offset: off})
	for c.head < len(c.mins)-1 && arrived.Sub(c.mins[c.head].arrived) > clockWindow {
		c.head++
	}
	c.last = later(c.last, c.mins[c.head].offset.Add(c.stream))
	return c.last
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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

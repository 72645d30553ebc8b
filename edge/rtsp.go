package edge

import (
	"time"

	"github.com/camwatch/camwatch/decode"
)

// rtspSession is one playing RTSP session as the supervisor uses it:
// packets of the video track, its codec data, and an end. The one
// implementation over vdk's client is rtspvdk.go, where every vdk type
// stays; tests script their own to drive a supervisor without a server.
type rtspSession interface {
	// Events delivers the video track's packets, codec changes and the
	// session's end, in order; nothing follows the end.
	Events() <-chan sessionEvent
	// Video is the video track's current codec data; ErrNoVideo when the
	// session has no H.264 or H.265 track.
	Video() (videoTrack, error)
	// Close ends the session. It may block for the client's timeouts, so
	// the supervisor calls it in the background.
	Close()
}

// dialOptions are what opening a session needs.
type dialOptions struct {
	// URL carries the credentials: never log it.
	URL string
	// DialTimeout bounds the TCP connect, ReadTimeout every read
	// (non-zero: a stalled server is noticed only after it).
	DialTimeout, ReadTimeout time.Duration
}

// dialer opens a session: blocking and uncancellable, as vdk's Dial is,
// so the supervisor runs it in a goroutine of its own.
type dialer func(dialOptions) (rtspSession, error)

// sessionEventKind tells what a sessionEvent carries.
type sessionEventKind int

const (
	// evPacket: one video packet.
	evPacket sessionEventKind = iota
	// evCodec: the video codec data changed (parameter sets in band).
	evCodec
	// evEnd: the session ended (the client's read deadline, a closed
	// connection, a teardown); nothing follows.
	evEnd
)

// sessionEvent is one thing that happened in a session.
type sessionEvent struct {
	kind sessionEventKind
	pkt  packet
	// err is why an evEnd came, when a read failed: a read deadline
	// (os.ErrDeadlineExceeded) is a server that went silent, whatever
	// the supervisor had left to handle; nil when not known.
	err error
}

// packet is one video packet as the RTSP client delivers it: one NAL
// unit (or, for aggregated ones, several) in AVCC form.
type packet struct {
	// data is NAL units behind 4-byte big-endian lengths.
	data []byte
	// ts is the RTP timestamp in stream time: arbitrary start, it wraps
	// after about 13 h (2^32 ticks of 90 kHz).
	ts time.Duration
	// key: the client saw an IDR (H.265: IRAP) NAL unit in it; marker:
	// the RTP marker bit of its last packet (the end of an access unit).
	key, marker bool
}

// videoTrack is a session's video codec data.
type videoTrack struct {
	codec         decode.Codec
	width, height int
	// params are the out-of-band parameter sets (H.265: VPS, SPS, PPS;
	// H.264: SPS, PPS); none when the camera sends them in band only.
	params [][]byte
}

// tsWrap is the period of the RTP clock as the client reports it.
const tsWrap = time.Duration(1<<32) * time.Second / 90000

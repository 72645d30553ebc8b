package decode

import (
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/camwatch/camwatch/motion"
)

// Codec names a stream's compressed video format.
type Codec string

// Codecs the decoder reads.
const (
	H264 Codec = "h264"
	H265 Codec = "h265"
)

// Defaults of Config: the edge agent's detect rate and width.
const (
	DefaultFPS   = 5
	DefaultWidth = 320
)

var (
	// ErrConfig wraps a configuration the decoder cannot work with.
	ErrConfig = errors.New("decode: bad config")
	// ErrUnavailable means libavcodec could not give us a decoder.
	ErrUnavailable = errors.New("decode: decoder unavailable")
	// ErrCorrupt wraps input the decoder refused; the decoder has been
	// reset and waits for the next keyframe.
	ErrCorrupt = errors.New("decode: corrupt stream")
	// ErrClosed is returned by a decoder used after Close.
	ErrClosed = errors.New("decode: decoder closed")
	// ErrNoPicture means no picture has been decoded that Picture could
	// show (or its pixel format has no colour planes we read).
	ErrNoPicture = errors.New("decode: no picture to show")
)

// Config says what to decode and what to hand out.
type Config struct {
	Codec Codec
	// FPS is the detect rate: at most this many frames per second come
	// out, whatever the camera's rate; 0 means DefaultFPS.
	FPS float64
	// Width of the gray frames; the height keeps the aspect ratio. A
	// picture narrower than this keeps its own width. 0 means
	// DefaultWidth.
	Width int
	// deblock runs the H.264/H.265 loop filter, which the detector does
	// not need; only the benchmark sets it, to show what skipping saves.
	deblock bool
}

func (c Config) withDefaults() (Config, error) {
	if c.Codec == "" {
		c.Codec = H264
	}
	if c.Codec != H264 && c.Codec != H265 {
		return c, fmt.Errorf("%w: codec %q is not h264 or h265", ErrConfig, c.Codec)
	}
	if c.FPS == 0 {
		c.FPS = DefaultFPS
	}
	if c.FPS < 0 || c.FPS > 120 {
		return c, fmt.Errorf("%w: fps %g is not in 0..120", ErrConfig, c.FPS)
	}
	if c.Width == 0 {
		c.Width = DefaultWidth
	}
	if c.Width < 16 || c.Width > 4096 {
		return c, fmt.Errorf("%w: width %d is not in 16..4096", ErrConfig, c.Width)
	}
	return c, nil
}

// Stats counts what a decoder did, for metrics and health details.
type Stats struct {
	// In counts access units handed to Decode.
	In uint64
	// Out counts gray frames handed out.
	Out uint64
	// Skipped counts access units dropped while waiting for a keyframe.
	Skipped uint64
	// Errors counts refused input (each one reset the decoder).
	Errors uint64
}

// ring of input times, indexed by pts, to give each output picture the
// time of the access unit it came from.
const timeRing = 64

// Decoder turns one stream's access units into gray frames at the detect
// rate. It is not safe for concurrent use; each camera owns one.
type Decoder struct {
	cfg    Config
	av     *avDecoder
	period time.Duration
	next   time.Time
	pts    int64
	times  [timeRing]time.Time
	key    bool // a keyframe has been sent since the last reset
	gray   []byte
	stats  Stats
	// srcW, srcH is the coded size of the last received picture; kept
	// says Picture has one to show.
	srcW, srcH   int
	keptW, keptH int // of the picture Picture shows; 0 before the first
}

// New opens a decoder; Close releases it.
func New(cfg Config) (*Decoder, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	a, err := openAV(c.Codec == H265, c.deblock)
	if err != nil {
		return nil, err
	}
	return &Decoder{cfg: c, av: a, period: time.Duration(float64(time.Second) / c.FPS)}, nil
}

// Close releases the decoder; it may be called more than once.
func (d *Decoder) Close() {
	if d.av != nil {
		d.av.close()
		d.av = nil
	}
}

// Stats returns the decoder's counters.
func (d *Decoder) Stats() Stats { return d.stats }

// Reset forgets the stream (a new session, a codec change): the decoder
// waits for the next keyframe.
func (d *Decoder) Reset() {
	if d.av != nil {
		d.av.flush()
	}
	d.key = false
	d.next = time.Time{}
}

// Decode feeds one Annex-B access unit (parameter sets in band before
// keyframes) received at t, and returns a gray frame when one is due at
// the detect rate. The frame's Gray buffer is reused by the next call.
// Input before the first keyframe is dropped and counted; refused input
// returns an error wrapping ErrCorrupt, after which the decoder waits for
// the next keyframe.
func (d *Decoder) Decode(au []byte, t time.Time) (motion.Frame, bool, error) {
	if d.av == nil {
		return motion.Frame{}, false, ErrClosed
	}
	d.stats.In++
	if !hasPicture(au, d.cfg.Codec) {
		return d.fail(fmt.Errorf("%w: no coded picture in %d bytes", ErrCorrupt, len(au)))
	}
	key := Keyframe(au, d.cfg.Codec)
	if !d.key && !key {
		d.stats.Skipped++
		return motion.Frame{}, false, nil
	}
	d.key = true
	wanted := d.due(t)
	pts := d.pts
	d.pts++
	d.times[pts%timeRing] = t
	if err := d.av.send(au, pts, !wanted && !key); err != nil {
		return d.fail(err)
	}
	var out motion.Frame
	got := false
	for {
		p, w, h, ok, err := d.av.receive()
		if err != nil {
			return d.fail(err)
		}
		if !ok {
			break
		}
		ft := t
		if p >= 0 && p <= pts && pts-p < timeRing {
			ft = d.times[p%timeRing]
		}
		d.srcW, d.srcH = w, h
		if d.due(ft) {
			out = d.frame(w, h, ft)
			got = true
			d.advance(ft)
			d.av.keep()
			d.keptW, d.keptH = w, h
		}
		d.av.unref()
	}
	return out, got, nil
}

// Source is the coded size of the last decoded picture (0, 0 before the
// first).
func (d *Decoder) Source() (w, h int) { return d.srcW, d.srcH }

// Picture is the picture of the last frame Decode returned, in colour
// (4:2:0), box-filtered to width pixels wide (0 or more than its own: its
// own width) with the height keeping the aspect ratio: what a snapshot
// shows. It stays available across Reset, until the next frame replaces
// it.
func (d *Decoder) Picture(width int) (*image.YCbCr, error) {
	if d.av == nil {
		return nil, ErrClosed
	}
	sw, sh := d.keptW, d.keptH
	if sw <= 0 || sh <= 0 {
		return nil, ErrNoPicture
	}
	w := width
	if w <= 0 || w > sw {
		w = sw
	}
	h := max(1, (sh*w+sw/2)/sw)
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	if err := d.av.picture(img); err != nil {
		return nil, err
	}
	return img, nil
}

func (d *Decoder) fail(err error) (motion.Frame, bool, error) {
	d.stats.Errors++
	d.Reset()
	return motion.Frame{}, false, err
}

// due reports whether a frame at t is wanted at the detect rate.
func (d *Decoder) due(t time.Time) bool { return d.next.IsZero() || !t.Before(d.next) }

// advance schedules the next wanted frame one period on, or one period
// after t when the stream fell behind (a gap, a slow camera).
func (d *Decoder) advance(t time.Time) {
	if d.next.IsZero() || t.Sub(d.next) >= d.period || t.Before(d.next.Add(-d.period)) {
		d.next = t.Add(d.period)
		return
	}
	d.next = d.next.Add(d.period)
}

// frame box-filters the received picture into the reused gray buffer.
func (d *Decoder) frame(sw, sh int, t time.Time) motion.Frame {
	w := min(d.cfg.Width, sw)
	h := max(1, (sh*w+sw/2)/sw)
	if cap(d.gray) < w*h {
		d.gray = make([]byte, w*h)
	}
	g := d.gray[:w*h]
	d.av.gray(g, w, h)
	d.stats.Out++
	return motion.Frame{Width: w, Height: h, Gray: g, Time: t}
}

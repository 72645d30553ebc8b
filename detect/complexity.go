package detect

import (
	"errors"
	"log/slog"
	"math"
	"time"

	"github.com/camwatch/camwatch/decode"
)

// refQP is the quantiser complexity is normalised to: H.264's midpoint,
// where a frame's size is taken as it is.
const refQP = 26

// normalise weighs a frame's size by the quantiser it was coded with:
// size x 2^((qp-26)/6). H.264's quantiser step doubles every 6 QP and the
// bits spent fall roughly with the step, so the figure is about what the
// frame would cost at QP 26, whatever the rate control chose. Under
// constant-bit-rate encoding motion raises the QP, not the size; this
// figure rises either way.
func normalise(size int, qp float64) int {
	return int(math.Round(float64(size) * math.Exp2((qp-refQP)/6)))
}

// flatWindow is how long a camera's compressed signal must stay flat
// (P-frame sizes within flatSpread of each other and the QP unchanged or
// unknown) before it is reported unusable for the compressed tier.
const (
	flatWindow = 2 * time.Minute
	flatSpread = 0.02
)

// complexity turns a camera's access units into a rate-control-
// independent figure for the compressed motion tier, reading each H.264
// slice's QP from its header, and watches for a signal too flat to detect
// with.
type complexity struct {
	qp     decode.SliceQP
	h264   bool
	log    *slog.Logger
	m      *Metrics
	warned bool // a header error was logged this stream
	flat   flatWatch
	rate   rateWatch
	// rateLogged: the rate-control judgement was logged once; later only
	// its changes are.
	rateLogged bool
}

// start begins a stream: parameter sets are forgotten and the out-of-band
// ones (from the SDP) learnt. Only H.264 slices are read; H.265 keeps raw
// sizes.
func (c *complexity) start(codec decode.Codec, params [][]byte) {
	c.qp.Reset()
	c.h264 = codec == decode.H264
	c.warned = false
	c.flat.reset()
	c.rate.reset()
	if !c.h264 {
		return
	}
	for _, nal := range params {
		if len(nal) == 0 {
			continue
		}
		if _, _, err := c.qp.NAL(nal); err != nil {
			c.bad(err)
		}
	}
}

func (c *complexity) bad(err error) {
	c.m.BadHeaders.Inc()
	if !c.warned {
		c.warned = true
		c.log.Warn("H.264 header not readable: compressed tier falls back to frame sizes", "err", err)
	}
}

// frameQP reads the slices of an Annex-B access unit and returns their
// byte-weighted mean QP; known is false when none could be read (H.265,
// damaged headers), and the frame then counts by its raw size.
func (c *complexity) frameQP(au []byte) (qp float64, known bool) {
	if !c.h264 {
		return 0, false
	}
	var bytes int
	var sum float64
	decode.NALUnits(au, func(nal []byte) bool {
		s, ok, err := c.qp.NAL(nal)
		if err != nil {
			if !errors.Is(err, decode.ErrNoParams) || !c.warned {
				c.bad(err)
			}
			return true
		}
		if ok {
			bytes += len(nal)
			sum += float64(len(nal)) * float64(s.QP)
		}
		return true
	})
	if bytes == 0 {
		return 0, false
	}
	return sum / float64(bytes), true
}

// figure is what the compressed detector is fed for a frame of size bytes:
// on a camera judged rate-controlled (see rateWatch) its QP-normalised
// complexity, otherwise (and whenever the QP could not be read) its raw
// size. switched reports that this frame changed the judgement, so the
// figure's scale changed and the detector must relearn its baseline. It
// also feeds the flatness watch (P-frames only).
func (c *complexity) figure(at time.Time, size int, key bool, qp float64, known bool) (fig int, switched bool) {
	if !key {
		c.observeFlat(at, size, qp, known)
		if known {
			switched = c.observeRate(qp)
		}
	}
	if !known || !c.rate.controlled {
		return size, switched
	}
	return normalise(size, qp), switched
}

func (c *complexity) observeRate(qp float64) bool {
	sd, judged, changed := c.rate.add(qp)
	if !judged || (c.rateLogged && !changed) {
		return false
	}
	c.rateLogged = true // the first judgement is logged even when it keeps the start
	if c.rate.controlled {
		c.m.RateControlled.Set(1)
		c.log.Info("compressed tier: stream is rate-controlled (slice QP moves frame to frame), feeding the detector QP-normalised frame sizes",
			"qp_sd", math.Round(sd*100)/100)
	} else {
		c.m.RateControlled.Set(0)
		c.log.Info("compressed tier: stream is quality-controlled (slice QP steady), feeding the detector raw frame sizes",
			"qp_sd", math.Round(sd*100)/100)
	}
	return changed
}

func (c *complexity) observeFlat(at time.Time, size int, qp float64, known bool) {
	switch c.flat.add(at, size, qp, known) {
	case flatBecame:
		c.m.Flat.Set(1)
		c.log.Warn("compressed signal flat: frame sizes and QP have not moved; the compressed tier cannot see motion on this camera, use pixel or gate",
			"window", flatWindow, "size", size, "qp_known", known)
	case flatEnded:
		c.m.Flat.Set(0)
		c.log.Info("compressed signal varies again")
	}
}

// rateWindow is how many P-frames the rate-control judgement looks at
// (four seconds at 15 fps, two GOPs of 30); rateEnter and rateLeave are
// the standard deviations of the slice QP over a window at which a camera
// becomes, and stops being, rate-controlled. Measured per 29 P-frames:
// x264 CRF 29 (simcam's clips, quiet or walking) 0.45-0.67, it alternates
// between two neighbouring QPs; CBR at 25 kbit/s 1.1-3.6, quiet or
// walking. Frame sizes are no help here: under a tight CBR buffer the
// P-frame sizes still spread by 15-45 % (median absolute deviation over
// median), as much as under CRF.
const (
	rateWindow = 60
	rateEnter  = 1.2
	rateLeave  = 0.8
)

// rateWatch judges, window by window, whether the encoder holds the bit
// rate by moving the QP (CBR, or VBR at its cap) or holds the quality (CRF,
// constant QP). A camera starts quality-controlled, as raw sizes are what
// the detector's defaults were tuned on; between rateLeave and rateEnter
// the judgement stays as it was.
type rateWatch struct {
	n          int
	sum, sumSq float64
	controlled bool
}

// reset forgets the current window but keeps the judgement: a new session
// of the same camera is the same encoder.
func (w *rateWatch) reset() { *w = rateWatch{controlled: w.controlled} }

// add counts one P-frame's QP; at the end of a window it returns the
// window's QP standard deviation, judged, and whether the judgement
// changed.
func (w *rateWatch) add(qp float64) (sd float64, judged, changed bool) {
	w.n++
	w.sum += qp
	w.sumSq += qp * qp
	if w.n < rateWindow {
		return 0, false, false
	}
	mean := w.sum / float64(w.n)
	sd = math.Sqrt(max(0, w.sumSq/float64(w.n)-mean*mean))
	was := w.controlled
	*w = rateWatch{controlled: was}
	switch {
	case !was && sd >= rateEnter:
		w.controlled = true
	case was && sd <= rateLeave:
		w.controlled = false
	}
	return sd, true, w.controlled != was
}

type flatChange int

const (
	flatSame flatChange = iota
	flatBecame
	flatEnded
)

// flatWatch judges the compressed signal window by window: a window of
// flatWindow in which P-frame sizes stay within flatSpread of their
// largest and the QP never changes (or is never known) is flat; the first
// window that varies ends it. Each change is reported once.
type flatWatch struct {
	from       time.Time
	minS, maxS int
	minQ, maxQ float64
	anyQP      bool
	frames     int
	isFlat     bool
}

func (w *flatWatch) reset() { *w = flatWatch{isFlat: w.isFlat} }

func (w *flatWatch) add(at time.Time, size int, qp float64, known bool) flatChange {
	if w.frames == 0 || at.Before(w.from) {
		*w = flatWatch{from: at, minS: size, maxS: size, isFlat: w.isFlat}
	}
	w.frames++
	w.minS, w.maxS = min(w.minS, size), max(w.maxS, size)
	if known {
		if !w.anyQP {
			w.minQ, w.maxQ, w.anyQP = qp, qp, true
		}
		w.minQ, w.maxQ = min(w.minQ, qp), max(w.maxQ, qp)
	}
	if at.Sub(w.from) < flatWindow {
		return flatSame
	}
	flat := float64(w.maxS-w.minS) <= flatSpread*float64(w.maxS) && w.maxQ == w.minQ
	was := w.isFlat
	*w = flatWatch{isFlat: flat}
	switch {
	case flat && !was:
		return flatBecame
	case !flat && was:
		return flatEnded
	}
	return flatSame
}

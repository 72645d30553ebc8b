package edge

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/deepch/vdk/format/rtspv2"
	"github.com/prometheus/client_golang/prometheus"
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

// complexity turns an H.264 camera's frames into a rate-control-
// independent figure for the compressed motion tier, reading each slice's
// QP from its header, and watches for a signal too flat to detect with.
// It belongs to the supervisor goroutine.
type complexity struct {
	qp     decode.SliceQP
	log    *slog.Logger
	flatM  prometheus.Gauge
	badM   prometheus.Counter
	rateM  prometheus.Gauge
	warned bool // a header error was logged this session
	flat   flatWatch
	rate   rateWatch
	// rateLogged: the rate-control judgement was logged once; later only
	// its changes are.
	rateLogged bool
}

func newComplexity(log *slog.Logger, m complexityMetrics) *complexity {
	return &complexity{log: log, flatM: m.flat, badM: m.badHeaders, rateM: m.rateControlled}
}

// complexityMetrics are one camera's series of the compressed signal.
type complexityMetrics struct {
	flat           prometheus.Gauge   // 1 while the signal is flat
	badHeaders     prometheus.Counter // slice or parameter-set headers not readable
	rateControlled prometheus.Gauge   // 1 while the detector is fed the QP-normalised figure
}

// session starts a new RTSP session: parameter sets are forgotten and
// those of the session's codec data learnt.
func (c *complexity) session(sps, pps []byte) {
	c.qp.Reset()
	c.warned = false
	c.flat.reset()
	c.rate.reset()
	c.paramSet(sps)
	c.paramSet(pps)
}

// paramSet learns an out-of-band parameter set (from the SDP).
func (c *complexity) paramSet(nal []byte) {
	if len(nal) == 0 {
		return
	}
	if _, _, err := c.qp.NAL(nal); err != nil {
		c.bad(err)
	}
}

func (c *complexity) bad(err error) {
	c.badM.Inc()
	if !c.warned {
		c.warned = true
		c.log.Warn("H.264 header not readable: compressed tier falls back to frame sizes", "err", err)
	}
}

// packet reads the slices of an AVCC payload (4-byte lengths) and adds
// their bytes and bytes x QP to the frame; slices whose QP cannot be read
// add nothing, so such a frame falls back to its raw size.
func (c *complexity) packet(f *frame, data []byte) {
	for len(data) >= 4 {
		n := uint64(binary.BigEndian.Uint32(data))
		data = data[4:]
		n = min(n, uint64(len(data)))
		nal := data[:n]
		data = data[n:]
		s, ok, err := c.qp.NAL(nal)
		if err != nil {
			if !errors.Is(err, decode.ErrNoParams) || !c.warned {
				c.bad(err)
			}
			continue
		}
		if ok {
			f.qpBytes += len(nal)
			f.qpSum += float64(len(nal)) * float64(s.QP)
		}
	}
}

// figure is what the compressed detector is fed for f: on a camera judged
// rate-controlled (see rateWatch) its QP-normalised complexity, otherwise
// (and whenever the QP could not be read) its raw size. switched reports
// that this frame changed the judgement, so the figure's scale changed and
// the detector must relearn its baseline. It also feeds the flatness
// watch (P-frames only).
func (c *complexity) figure(f frame) (fig int, switched bool) {
	qp, known := f.qp()
	if !f.keyframe {
		c.observeFlat(f.arrived, f.size, qp, known)
		if known {
			switched = c.observeRate(qp)
		}
	}
	if !known || !c.rate.controlled {
		return f.size, switched
	}
	return normalise(f.size, qp), switched
}

func (c *complexity) observeRate(qp float64) bool {
	sd, judged, changed := c.rate.add(qp)
	if !judged || (c.rateLogged && !changed) {
		return false
	}
	c.rateLogged = true // the first judgement is logged even when it keeps the start
	if c.rate.controlled {
		c.rateM.Set(1)
		c.log.Info("compressed tier: stream is rate-controlled (slice QP moves frame to frame), feeding the detector QP-normalised frame sizes",
			"qp_sd", math.Round(sd*100)/100)
	} else {
		c.rateM.Set(0)
		c.log.Info("compressed tier: stream is quality-controlled (slice QP steady), feeding the detector raw frame sizes",
			"qp_sd", math.Round(sd*100)/100)
	}
	return changed
}

func (c *complexity) observeFlat(at time.Time, size int, qp float64, known bool) {
	switch c.flat.add(at, size, qp, known) {
	case flatBecame:
		c.flatM.Set(1)
		c.log.Warn("compressed signal flat: frame sizes and QP have not moved; the compressed tier cannot see motion on this camera, use pixel or gate",
			"window", flatWindow, "size", size, "qp_known", known)
	case flatEnded:
		c.flatM.Set(0)
		c.log.Info("compressed signal varies again")
	}
}

// qp is the frame's quantiser: the byte-weighted mean of its slices' QPs.
func (f frame) qp() (float64, bool) {
	if f.qpBytes == 0 {
		return 0, false
	}
	return f.qpSum / float64(f.qpBytes), true
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

// startComplexity points the assembler's slice reading at the session's
// H.264 parameter sets; H.265 and cameras without a compressed tier keep
// raw sizes.
func (s *Supervisor) startComplexity(c *rtspv2.RTSPClient, idx int8, hevc bool) {
	s.asm.slices = nil
	codecs := c.Codecs()
	if s.cx == nil || hevc || int(idx) >= len(codecs) {
		return
	}
	var sps, pps []byte
	if codec, sets := codecParams(codecs[idx]); codec == decode.H264 && len(sets) == 2 {
		sps, pps = sets[0], sets[1]
	}
	s.cx.session(sps, pps)
	s.asm.slices = s.cx.packet
}

package detect

import (
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/motion"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are one camera's detection series; a nil field counts nowhere.
type Metrics struct {
	// Decoded counts access units handed to the decoder, Frames the gray
	// frames that came out, Errors refused input (and failed opens),
	// Restarts decoder restarts and Invalid decoded frames the detector
	// could not use.
	Decoded, Frames, Errors, Restarts, Invalid prometheus.Counter
	// BadHeaders counts H.264 slice or parameter-set headers the
	// compressed tier could not read.
	BadHeaders prometheus.Counter
	// Flat is 1 while the compressed signal is flat, RateControlled while
	// the compressed tier is fed QP-normalised sizes.
	Flat, RateControlled prometheus.Gauge
}

func (m *Metrics) fill() {
	for _, c := range []*prometheus.Counter{&m.Decoded, &m.Frames, &m.Errors, &m.Restarts, &m.Invalid, &m.BadHeaders} {
		if *c == nil {
			*c = prometheus.NewCounter(prometheus.CounterOpts{Name: "unused"})
		}
	}
	for _, g := range []*prometheus.Gauge{&m.Flat, &m.RateControlled} {
		if *g == nil {
			*g = prometheus.NewGauge(prometheus.GaugeOpts{Name: "unused"})
		}
	}
}

// Options are a pipeline's surroundings.
type Options struct {
	Logger  *slog.Logger
	Metrics Metrics
	// Open opens the pixel tier's decoder; nil is decode.New.
	Open func(decode.Config) (Decoder, error)
}

// Unit is one access unit of a camera's video.
type Unit struct {
	// AU is the access unit in Annex-B, without the out-of-band parameter
	// sets; the pipeline does not keep it past Feed.
	AU []byte
	// At is when the camera took the picture (the edge's estimate of it
	// from the stream's timestamps; a clip's frame time).
	At time.Time
	// Key: the transport flagged a keyframe. Keyframes are also
	// recognised in AU.
	Key bool
}

// Transition is a motion interval opening or closing.
type Transition struct {
	motion.Transition
	// Detector is the tier that saw it: "compressed" or "pixel".
	Detector string
	// Zones are the zones the moving regions touched since the interval
	// began (pixel tier).
	Zones []string
}

// Result is what one Feed (or Stop) produced. It is reused by the next
// call.
type Result struct {
	Motion []Transition
	// Tamper are picture faults raised or cleared.
	Tamper []motion.TamperChange
	// Decoder is set when the decoder was restarted or could not be
	// opened: the reason, for the camera's health.
	Decoder string
	// Decoded counts access units handed to the decoder, Frames the
	// frames decoded at the detect rate (each scored by the detectors);
	// after a frame, Snapshot shows the latest.
	Decoded, Frames int
}

func (r *Result) reset() {
	r.Motion, r.Tamper, r.Decoder, r.Decoded, r.Frames = r.Motion[:0], r.Tamper[:0], "", 0, 0
}

// Status is what the camera's health says about its detection.
type Status struct {
	// Unavailable says why no decoder could be opened ("" when one is).
	Unavailable string
	// RefusedSince is the first access unit the decoder refused since it
	// last took one (zero while it takes them); RefusedErr is why.
	RefusedSince time.Time
	RefusedErr   string
	// Flat: the compressed signal has not moved for minutes.
	Flat bool
	// RateControlled: the encoder holds the bit rate by moving the QP.
	RateControlled bool
	// KeyframesOnly, when set, says why only keyframes are decoded.
	KeyframesOnly string
}

// Pipeline is one camera's detection. It is not safe for concurrent use;
// each camera owns one.
type Pipeline struct {
	cfg   Config
	log   *slog.Logger
	m     Metrics
	codec decode.Codec

	comp *motion.Detector // compressed tier; nil for Pixel
	cx   *complexity      // its figure
	px   *pixelTier       // nil for Compressed

	// weak: detector auto judged the compressed signal unusable.
	weak bool
	// level is where the gate opens on this camera.
	level gateLevel
	res   Result
}

// New returns a pipeline for cfg; Start begins a stream.
func New(cfg Config, o Options) (*Pipeline, error) {
	c, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{cfg: c, log: log, m: o.Metrics, codec: decode.H264}
	p.m.fill()
	if c.compressed() {
		if p.comp, err = motion.New(c.Compressed); err != nil {
			return nil, err
		}
		p.cx = &complexity{log: log, m: &p.m}
	}
	if c.decodes() {
		if p.px, err = newPixelTier(c, o.Open, log, &p.m); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Kind is the pipeline's detector.
func (p *Pipeline) Kind() Kind { return p.cfg.Kind }

// Decodes reports whether the pipeline decodes pictures (every detector
// but the compressed one): only those see picture faults and take
// snapshots.
func (p *Pipeline) Decodes() bool { return p.px != nil }

// Start begins a stream, or a change of its codec data: codec and the
// out-of-band parameter sets (VPS, SPS, PPS from the SDP; none when the
// camera sends them in band only).
func (p *Pipeline) Start(codec decode.Codec, params [][]byte) {
	p.codec = codec
	p.level.reset()
	if p.cx != nil {
		p.cx.start(codec, params)
	}
	if p.px != nil {
		p.px.start(codec, params)
	}
}

// Feed handles one access unit and returns what came of it.
func (p *Pipeline) Feed(u Unit) *Result {
	r := &p.res
	r.reset()
	key := u.Key || decode.Keyframe(u.AU, p.codec)
	if p.comp != nil {
		qp, known := p.cx.frameQP(u.AU)
		// Raw size on quality-controlled cameras, QP-normalised on rate-
		// controlled ones (docs/motion.md, "The compressed tier under
		// CBR"); a change of figure changes its scale, so the baseline is
		// relearnt.
		fig, switched := p.cx.figure(u.At, len(u.AU), key, qp, known)
		if switched {
			if tr, ok := p.comp.Stop(); ok && p.px == nil {
				r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "compressed"})
			}
			p.comp.Reset()
		}
		tr, ok := p.comp.Observe(u.At, fig, key)
		if p.px != nil {
			// The compressed tier only gates the pixel tier.
			score := p.comp.Score() / p.comp.Threshold()
			p.px.gate(u.At, p.comp.Active() || score >= p.level.level() || p.autoOpen())
			p.level.observe(score, !p.px.det.Active())
		} else if ok {
			r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "compressed"})
		}
	}
	if p.px != nil {
		p.px.access(u.AU, u.At, key, r)
	}
	return r
}

// autoOpen reports whether detector auto must decode every frame: the
// camera's compressed signal is judged unusable (rate-controlled, so frame
// sizes do not follow motion, or flat for minutes). Each change of the
// judgement is logged once.
func (p *Pipeline) autoOpen() bool {
	if p.cfg.Kind != Auto || p.cx == nil {
		return false
	}
	weak := p.cx.rate.controlled || p.cx.flat.isFlat
	if weak != p.weak {
		p.weak = weak
		if weak {
			p.log.Info("detector auto: compressed signal unusable on this camera (rate-controlled or flat), decoding every frame",
				"rate_controlled", p.cx.rate.controlled, "flat", p.cx.flat.isFlat)
		} else {
			p.log.Info("detector auto: compressed signal usable again, gating the decoder")
		}
	}
	return weak
}

// Stop ends the stream at at (the session ended): open motion intervals
// close and raised picture faults clear, as nothing more can be said
// about the picture. The scene's background and normal are kept for the
// next stream of the same camera.
func (p *Pipeline) Stop(at time.Time) *Result {
	r := &p.res
	r.reset()
	if p.px != nil {
		if tr, ok := p.px.det.Stop(); ok {
			r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "pixel", Zones: append([]string(nil), p.px.zones...)})
		}
		p.px.zones = p.px.zones[:0]
		r.Tamper = append(r.Tamper, p.px.tamper.Stop(at)...)
	}
	if p.comp != nil {
		if tr, ok := p.comp.Stop(); ok && p.px == nil {
			r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "compressed"})
		}
	}
	return r
}

// Close releases the decoder.
func (p *Pipeline) Close() {
	if p.px != nil {
		p.px.close()
	}
}

// Faults are the picture faults in force, in priority order.
func (p *Pipeline) Faults() []motion.TamperChange {
	if p.px == nil {
		return nil
	}
	return p.px.tamper.Active()
}

// Status is the detection's state for the camera's health.
func (p *Pipeline) Status() Status {
	var s Status
	if p.cx != nil {
		s.Flat, s.RateControlled = p.cx.flat.isFlat, p.cx.rate.controlled
	}
	if p.px != nil {
		s.Unavailable, s.RefusedSince, s.RefusedErr = p.px.unavailable, p.px.refusedSince, p.px.refusedErr
		s.KeyframesOnly = p.px.keyOnlyWhy
	}
	return s
}

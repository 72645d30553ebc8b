package detect

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/motion"
)

// Decoder is what the pixel tier needs from a decoder (decode.Decoder);
// tests put failing ones in its place.
type Decoder interface {
	// Decode feeds one Annex-B access unit and returns a gray frame when
	// one is due at the detect rate.
	Decode(au []byte, t time.Time) (motion.Frame, bool, error)
	// Picture is the last frame Decode returned, in colour, width pixels
	// wide (0: its own width).
	Picture(width int) (*image.YCbCr, error)
	// Source is the coded size of the last decoded picture.
	Source() (w, h int)
	Reset()
	Close()
}

func openDecoder(cfg decode.Config) (Decoder, error) { return decode.New(cfg) }

// Gate timing: how long the pixel tier keeps decoding after the
// compressed tier last looked active, and how close to its threshold the
// compressed score must come to open the gate.
const (
	gateHold     = 4 * time.Second
	gateFraction = 0.5
	// maxCorrupt consecutive refused access units restart the decoder.
	maxCorrupt = 5
	// maxGOP bounds the gate's pre-roll buffer (the access units since the
	// last keyframe).
	maxGOP = 4 << 20
)

// pixelTier decodes one camera's video at the detect rate and runs the
// pixel and tamper detectors on it.
type pixelTier struct {
	cfg  Config
	log  *slog.Logger
	m    *Metrics
	det  *motion.PixelDetector
	open func(decode.Config) (Decoder, error)
	dec  Decoder

	codec  decode.Codec
	params []byte // parameter sets in Annex-B, put before each keyframe
	// withParams is a keyframe with the parameter sets in front.
	withParams []byte
	corrupt    int // consecutive refused access units

	gateOpen  bool
	gateUntil time.Time
	// gop holds the units since the last one decoded, while the gate is
	// shut (the pre-roll); gopLost: it overflowed maxGOP.
	gop      [][]byte
	gopAt    []time.Time
	gopBytes int
	gopLost  bool

	// keyOnly: the stream is larger than cfg.MaxDecodePixels and only its
	// keyframes are decoded; keyOnlyWhy says so for the camera's health.
	keyOnly    bool
	keyOnlyWhy string

	// unavailable says why no decoder could be opened ("" once one is);
	// refusedSince is the first refused access unit since the last one the
	// decoder took (zero while it takes them), refusedErr the last refusal.
	unavailable  string
	refusedSince time.Time
	refusedErr   string
	// loggedErr makes a refused access unit logged once per stream.
	loggedErr bool
	// loggedInvalid makes an unusable decoded frame logged once.
	loggedInvalid bool
	// warmed is set once the detector scored a frame: until then a gated
	// tier decodes everything, so the background is learnt at once.
	warmed bool
	// zones hit since the current interval's first moving frame.
	zones []string

	tamper *motion.TamperDetector
	// picture: a frame was decoded since the last snapshot's source was
	// taken, so Picture has something to show.
	picture bool
}

func newPixelTier(cfg Config, open func(decode.Config) (Decoder, error), log *slog.Logger, m *Metrics) (*pixelTier, error) {
	det, err := motion.NewPixel(cfg.Pixel)
	if err != nil {
		return nil, err
	}
	if open == nil {
		open = openDecoder
	}
	tamper, err := motion.NewTamper(cfg.Tamper)
	if err != nil {
		return nil, err
	}
	return &pixelTier{cfg: cfg, log: log, m: m, det: det, open: open, tamper: tamper}, nil
}

// start prepares for a stream: its codec and out-of-band parameter sets.
func (p *pixelTier) start(codec decode.Codec, sets [][]byte) {
	var params []byte
	for _, nal := range sets {
		if len(nal) > 0 {
			params = decode.AppendNAL(params, nal)
		}
	}
	if codec != p.codec && p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
	p.codec, p.params = codec, params
	p.corrupt = 0
	p.loggedErr = false
	p.keyOnly, p.keyOnlyWhy = false, ""
	p.picture = false
	p.dropGOP()
	if p.dec != nil {
		p.dec.Reset()
	}
}

// close releases the decoder.
func (p *pixelTier) close() {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
}

// gate tells a gated tier whether the compressed tier sees activity.
func (p *pixelTier) gate(now time.Time, active bool) {
	if p.cfg.gated() && active {
		p.gateUntil = now.Add(gateHold)
	}
}

// access handles one complete access unit: decoded now, buffered for the
// gate's pre-roll, or (gate shut, or a stream too large to decode whole)
// decoded only if it is a keyframe, which keeps the background current
// at a fraction of the cost.
func (p *pixelTier) access(au []byte, at time.Time, key bool, r *Result) {
	if key && len(p.params) > 0 && !decode.Keyframe(au, p.codec) {
		key = false
	}
	if key {
		// The RTSP client keeps in-band parameter sets to itself and an
		// access unit may open with an AUD or SEI, so the sets go in front
		// of every keyframe here, once it is complete.
		p.withParams = append(append(p.withParams[:0], p.params...), au...)
		au = p.withParams
	}
	if p.keyOnly {
		if key {
			if p.dec != nil {
				p.dec.Reset()
			}
			p.decode(au, at, r)
		}
		return
	}
	if !p.cfg.gated() {
		p.decode(au, at, r)
		return
	}
	open := !p.warmed || p.det.Active() || at.Before(p.gateUntil)
	switch {
	case open && !p.gateOpen:
		// Catch up: the pre-roll. The decoder is in step with the stream
		// up to the unit before the buffer's first (the keyframe that
		// started it, or the last unit decoded before the gate shut), so
		// the buffer follows on without a restart and the keyframe is not
		// decoded twice (H.265 refuses a picture order count twice in a
		// sequence). A buffer that overflowed has a hole: the decoder
		// starts over at the next keyframe instead.
		if p.gopLost {
			if p.dec != nil {
				p.dec.Reset()
			}
		} else {
			for i, b := range p.gop {
				p.decode(b, p.gopAt[i], r)
			}
		}
		p.dropGOP()
		p.decode(au, at, r)
	case open:
		p.decode(au, at, r)
	case key:
		p.dropGOP()
		if p.dec != nil {
			p.dec.Reset()
		}
		p.decode(au, at, r)
	case !p.gopLost && p.gopBytes+len(au) <= maxGOP:
		p.gop = append(p.gop, append([]byte(nil), au...))
		p.gopAt = append(p.gopAt, at)
		p.gopBytes += len(au)
	default:
		p.gopLost = true
	}
	p.gateOpen = open
}

func (p *pixelTier) dropGOP() {
	p.gop, p.gopAt, p.gopBytes, p.gopLost = p.gop[:0], p.gopAt[:0], 0, false
}

func (p *pixelTier) decode(au []byte, at time.Time, r *Result) {
	if p.dec == nil {
		d, err := p.open(decode.Config{Codec: p.codec, FPS: p.cfg.FPS, Width: p.cfg.Width})
		if err != nil {
			p.m.Errors.Inc()
			p.unavailable = fmt.Sprintf("pixel decoder unavailable: %v", err)
			if !p.loggedErr {
				p.log.Error("pixel decoder unavailable", "err", err)
				r.Decoder = p.unavailable
				p.loggedErr = true
			}
			return
		}
		p.dec = d
		p.unavailable = ""
	}
	p.m.Decoded.Inc()
	r.Decoded++
	f, ok, err := p.dec.Decode(au, at)
	if err != nil {
		p.m.Errors.Inc()
		p.corrupt++
		if p.refusedSince.IsZero() {
			p.refusedSince = at
		}
		p.refusedErr = err.Error()
		if !p.loggedErr {
			p.log.Warn("pixel decoder refused input; waiting for the next keyframe", "err", err)
			p.loggedErr = true
		}
		if !errors.Is(err, decode.ErrCorrupt) || p.corrupt >= maxCorrupt {
			p.restart(err, r)
		}
		return
	}
	p.corrupt = 0
	p.refusedSince = time.Time{}
	if !ok {
		return
	}
	p.m.Frames.Inc()
	r.Frames++
	p.picture = true
	p.bound()
	for _, c := range p.tamper.Observe(f) {
		r.Tamper = append(r.Tamper, c)
	}
	res, tr, moved := p.det.Observe(f)
	if res.Moving || res.Tracking > 0 {
		// Something moving, or a small region the detector follows (a
		// distant person?), on a keyframe decoded while the gate is shut:
		// its compressed signal was too weak to open the gate (a small
		// or slow object, a grainy camera's raised gate level), so the
		// picture opens it.
		p.gate(at, true)
	}
	switch res.Status {
	case motion.Invalid:
		p.m.Invalid.Inc()
		if !p.loggedInvalid {
			p.log.Warn("decoded frame unusable for detection", "width", f.Width, "height", f.Height)
			p.loggedInvalid = true
		}
	case motion.Warming:
		p.warmed = false
	default:
		p.warmed = true
	}
	if tr.Kind == motion.End && moved {
		r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "pixel", Zones: append([]string(nil), p.zones...)})
		p.zones = p.zones[:0]
	}
	if res.Moving {
		for _, z := range res.Zones {
			if !containsString(p.zones, z) {
				p.zones = append(p.zones, z)
			}
		}
	} else if !p.det.Active() {
		p.zones = p.zones[:0]
	}
	if tr.Kind == motion.Start && moved {
		r.Motion = append(r.Motion, Transition{Transition: tr, Detector: "pixel", Zones: append([]string(nil), p.zones...)})
	}
}

// bound switches a stream larger than MaxDecodePixels to its keyframes
// the first time such a picture is decoded.
func (p *pixelTier) bound() {
	if p.keyOnly {
		return
	}
	w, h := p.dec.Source()
	if w*h <= p.cfg.MaxDecodePixels {
		return
	}
	p.keyOnly = true
	p.keyOnlyWhy = fmt.Sprintf("%dx%d stream: detecting on keyframes only (larger than %.1f megapixels); use the camera's sub-stream", w, h, float64(p.cfg.MaxDecodePixels)/1e6)
	p.dropGOP()
	p.log.Warn("stream too large to decode at the detect rate; decoding keyframes only", "width", w, "height", h, "max_pixels", p.cfg.MaxDecodePixels)
}

// restart replaces a decoder that died or keeps refusing the stream.
func (p *pixelTier) restart(cause error, r *Result) {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
	p.corrupt = 0
	p.m.Restarts.Inc()
	p.log.Warn("pixel decoder restarted", "err", cause)
	r.Decoder = fmt.Sprintf("pixel decoder restarted: %v", cause)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

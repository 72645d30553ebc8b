package edge

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/motion"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/codec/h265parser"
	"github.com/prometheus/client_golang/prometheus"
)

// frameDecoder is what the pixel tier needs from a decoder; tests put a
// failing one in its place.
type frameDecoder interface {
	Decode(au []byte, t time.Time) (motion.Frame, bool, error)
	Reset()
	Close()
}

func openDecoder(cfg decode.Config) (frameDecoder, error) { return decode.New(cfg) }

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
// pixel detector on it. It belongs to the supervisor's goroutine.
type pixelTier struct {
	cfg  PixelTier
	log  *slog.Logger
	m    pixelMetrics
	det  *motion.PixelDetector
	open func(decode.Config) (frameDecoder, error)
	dec  frameDecoder

	codec  decode.Codec
	params []byte // parameter sets in Annex-B, put before each keyframe
	// withParams is a keyframe with the parameter sets in front.
	withParams []byte
	corrupt    int // consecutive refused access units

	gateOpen  bool
	gateUntil time.Time
	gop       [][]byte // since the last keyframe, while the gate is shut
	gopAt     []time.Time
	gopBytes  int

	// unavailable says why no decoder could be opened ("" once one is);
	// refusedSince is the first refused access unit since the last one the
	// decoder took (zero while it takes them), refusedErr the last refusal.
	unavailable  string
	refusedSince time.Time
	refusedErr   string
	// restarted is set when the decoder was restarted; the supervisor
	// reports it as a health event and clears it.
	restarted string
	// loggedErr makes a refused access unit logged once per session.
	loggedErr bool
	// loggedInvalid makes an unusable decoded frame logged once.
	loggedInvalid bool
	// warmed is set once the detector scored a frame: until then a gated
	// tier decodes everything, so the background is learnt at once.
	warmed bool
	// zones hit since the current interval's first moving frame.
	zones []string

	// tamper judges the same frames for picture faults; onTamper gets
	// what it raised or cleared.
	tamper   *motion.TamperDetector
	onTamper func([]motion.TamperChange, *motion.Frame)
	// onFrame sees every decoded frame (the camera's thumbnails).
	onFrame func(*motion.Frame, time.Time)
	// frame is the frame being handled, for snapshots; nil outside decode.
	frame *motion.Frame
}

func newPixelTier(cfg PixelTier, open func(decode.Config) (frameDecoder, error), log *slog.Logger, m pixelMetrics) (*pixelTier, error) {
	det, err := motion.NewPixel(cfg.Detector)
	if err != nil {
		return nil, err
	}
	if open == nil {
		open = openDecoder
	}
	tamper, err := motion.NewTamper(motion.TamperConfig{})
	if err != nil {
		return nil, err
	}
	return &pixelTier{cfg: cfg, log: log, m: m, det: det, open: open, tamper: tamper}, nil
}

// start prepares for a session's stream: the codec and parameter sets
// from the RTSP client's codec data.
func (p *pixelTier) start(cd av.CodecData) {
	codec, sets := codecParams(cd)
	var params []byte
	for _, nal := range sets {
		params = decode.AppendNAL(params, nal)
	}
	if codec != p.codec && p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
	p.codec, p.params = codec, params
	p.corrupt = 0
	p.loggedErr = false
	p.dropGOP()
	if p.dec != nil {
		p.dec.Reset()
	}
}

// codecParams is the codec and parameter sets (VPS, SPS, PPS) of the RTSP
// client's codec data; a camera whose SDP carried none has empty codec
// data (upstream vdk's accessors would panic on it), and the sets are then
// expected in band.
func codecParams(cd av.CodecData) (decode.Codec, [][]byte) {
	switch c := cd.(type) {
	case h264parser.CodecData:
		r := c.RecordInfo
		if len(r.SPS) == 0 || len(r.PPS) == 0 {
			return decode.H264, nil
		}
		return decode.H264, [][]byte{r.SPS[0], r.PPS[0]}
	case h265parser.CodecData:
		r := c.RecordInfo
		if len(r.VPS) == 0 || len(r.SPS) == 0 || len(r.PPS) == 0 {
			return decode.H265, nil
		}
		return decode.H265, [][]byte{r.VPS[0], r.SPS[0], r.PPS[0]}
	}
	return decode.H264, nil
}

// stop closes an open interval at the end of a session.
func (p *pixelTier) stop() (motion.Transition, bool) {
	return p.det.Stop()
}

// close releases the decoder when the supervisor ends.
func (p *pixelTier) close() {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
}

// gate tells a gated tier whether the compressed tier sees activity.
func (p *pixelTier) gate(now time.Time, active bool) {
	if !p.cfg.Gate {
		return
	}
	if active {
		p.gateUntil = now.Add(gateHold)
	}
}

// access handles one complete access unit (Annex-B, from the supervisor's
// assembler; emit gets each transition of the pixel detector): decoded now, buffered for the
// gate's pre-roll, or (gate shut) decoded only if it is a keyframe, which
// keeps the background current at a fraction of the cost.
func (p *pixelTier) access(au []byte, at time.Time, key bool, emit func(motion.Transition, []string)) {
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
	if !p.cfg.Gate {
		p.decode(au, at, emit)
		return
	}
	open := !p.warmed || p.det.Active() || at.Before(p.gateUntil)
	switch {
	case open && !p.gateOpen:
		// Catch up from the last keyframe: the pre-roll. The decoder has
		// seen that keyframe already; H.265 refuses a picture order count
		// twice in a sequence, so it starts over.
		if len(p.gop) > 0 && p.dec != nil {
			p.dec.Reset()
		}
		for i, b := range p.gop {
			p.decode(b, p.gopAt[i], emit)
		}
		p.dropGOP()
		p.decode(au, at, emit)
	case open:
		p.decode(au, at, emit)
	default:
		if key {
			p.dropGOP()
			if p.dec != nil {
				p.dec.Reset()
			}
			p.decode(au, at, emit)
		}
		if p.gopBytes+len(au) <= maxGOP {
			p.gop = append(p.gop, append([]byte(nil), au...))
			p.gopAt = append(p.gopAt, at)
			p.gopBytes += len(au)
		}
	}
	p.gateOpen = open
}

func (p *pixelTier) dropGOP() {
	p.gop, p.gopAt, p.gopBytes = p.gop[:0], p.gopAt[:0], 0
}

func (p *pixelTier) decode(au []byte, at time.Time, emit func(motion.Transition, []string)) {
	if p.dec == nil {
		d, err := p.open(decode.Config{Codec: p.codec, FPS: p.cfg.FPS, Width: p.cfg.Width})
		if err != nil {
			p.m.errors.Inc()
			p.unavailable = fmt.Sprintf("pixel decoder unavailable: %v", err)
			if p.restarted == "" && !p.loggedErr {
				p.log.Error("pixel decoder unavailable", "err", err)
				p.restarted = fmt.Sprintf("pixel decoder unavailable: %v", err)
				p.loggedErr = true
			}
			return
		}
		p.dec = d
		p.unavailable = ""
	}
	p.m.in.Inc()
	f, ok, err := p.dec.Decode(au, at)
	if err != nil {
		p.m.errors.Inc()
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
			p.restart(err)
		}
		return
	}
	p.corrupt = 0
	p.refusedSince = time.Time{}
	if !ok {
		return
	}
	p.m.frames.Inc()
	p.frame = &f
	defer func() { p.frame = nil }()
	if p.onFrame != nil {
		p.onFrame(&f, at)
	}
	if ch := p.tamper.Observe(f); len(ch) > 0 && p.onTamper != nil {
		p.onTamper(ch, &f)
	}
	res, tr, moved := p.det.Observe(f)
	switch res.Status {
	case motion.Invalid:
		p.m.invalid.Inc()
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
		emit(tr, p.zones)
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
		emit(tr, p.zones)
	}
}

// restart replaces a decoder that died or keeps refusing the stream.
func (p *pixelTier) restart(cause error) {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
	p.corrupt = 0
	p.m.restarts.Inc()
	p.log.Warn("pixel decoder restarted", "err", cause)
	p.restarted = fmt.Sprintf("pixel decoder restarted: %v", cause)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pixelMetrics are one camera's decoder series.
type pixelMetrics struct {
	in, frames, errors, restarts, invalid prometheus.Counter
}

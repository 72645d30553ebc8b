package quality

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/motion"
)

// Tier is one of camwatch's motion tiers as a camera's motion.detector
// names it.
type Tier string

// The tiers the harness runs.
const (
	Compressed Tier = "compressed"
	Pixel      Tier = "pixel"
	Gate       Tier = "gate"
)

// Tiers lists every tier in the order of the report.
var Tiers = []Tier{Compressed, Pixel, Gate}

// ErrClip marks a clip the harness cannot run.
var ErrClip = errors.New("quality: unusable clip")

// The gate's timing, as the edge agent uses it (edge/pixel.go): the pixel
// tier decodes for gateHold after the compressed score last reached
// gateFraction of its threshold.
const (
	gateHold     = 4 * time.Second
	gateFraction = 0.5
)

// Run is what a tier made of a looped clip.
type Run struct {
	// Intervals are the motion intervals in seconds from the first loop's
	// start (a loop is the clip's length).
	Intervals []Interval
	// Frames is what the tier's detector observed: access units for the
	// compressed tier, decoded frames for the others.
	Frames int
	// Decoded counts access units handed to the decoder.
	Decoded int
}

// origin is the stream's time zero; any fixed instant works.
var origin = time.Unix(0, 0).UTC()

func seconds(t time.Time) float64 { return t.Sub(origin).Seconds() }

// RunClip plays a raw H.264 clip loops times, back to back at fps, into a
// tier configured from m (configs.Motion defaults when zero) the way the
// edge agent feeds it: every access unit's size to the compressed
// detector, access units decoded at m's detect rate and width for the
// pixel detector, and for the gate only while the compressed tier looks
// active, keyframes otherwise, with the GOP since the last keyframe as
// pre-roll.
func RunClip(path string, fps float64, loops int, tier Tier, m configs.Motion) (Run, error) {
	var run Run
	data, err := os.ReadFile(path)
	if err != nil {
		return run, fmt.Errorf("%w: %w", ErrClip, err)
	}
	aus := decode.SplitAccessUnits(data, decode.H264)
	if len(aus) == 0 || fps <= 0 || loops < 1 {
		return run, fmt.Errorf("%w: %s: no access units", ErrClip, path)
	}
	if m.Detector == "" {
		if err := m.Validate(); err != nil {
			return run, err
		}
	}
	var reported float64
	add := func(now time.Time, tr motion.Transition, ok bool) {
		switch {
		case ok && tr.Kind == motion.Start:
			reported = seconds(now)
		case ok && tr.Kind == motion.End:
			run.Intervals = append(run.Intervals, Interval{seconds(tr.Started), seconds(tr.At), reported})
		}
	}
	comp, err := motion.New(edge.CompressedConfig(m))
	if err != nil {
		return run, err
	}
	var px *motion.PixelDetector
	var dec *decode.Decoder
	if tier != Compressed {
		if px, err = motion.NewPixel(edge.PixelConfig(m)); err != nil {
			return run, err
		}
		if dec, err = decode.New(decode.Config{Codec: decode.H264, FPS: m.DetectFPS, Width: m.DetectWidth}); err != nil {
			return run, err
		}
		defer dec.Close()
	}
	g := gate{}
	decodeAU := func(au []byte, at time.Time) {
		run.Decoded++
		f, ok, err := dec.Decode(au, at)
		if err != nil || !ok {
			return // a refused unit: the decoder resumes at the next keyframe
		}
		run.Frames++
		res, tr, moved := px.Observe(f)
		g.warmed = res.Status != motion.Warming && res.Status != motion.Invalid || g.warmed && res.Status == motion.Invalid
		add(f.Time, tr, moved)
	}
	n := 0
	for range loops {
		for _, au := range aus {
			at := origin.Add(time.Duration(float64(n) / fps * float64(time.Second)))
			n++
			key := decode.Keyframe(au, decode.H264)
			switch tier {
			case Compressed:
				run.Frames++
				tr, ok := comp.Observe(at, len(au), key)
				add(at, tr, ok)
			case Pixel:
				decodeAU(au, at)
			case Gate:
				_, _ = comp.Observe(at, len(au), key) // the gate reports no intervals of its own
				if comp.Active() || comp.Score() >= gateFraction*comp.Threshold() {
					g.until = at.Add(gateHold)
				}
				g.access(au, at, key, px.Active(), dec, decodeAU)
			default:
				return run, fmt.Errorf("%w: unknown tier %q", ErrClip, tier)
			}
		}
	}
	end := origin.Add(time.Duration(float64(n) / fps * float64(time.Second)))
	if tier == Compressed {
		tr, ok := comp.Stop()
		add(end, tr, ok)
	} else {
		tr, ok := px.Stop()
		add(end, tr, ok)
	}
	return run, nil
}

// gate mirrors the edge agent's gated pixel tier (edge/pixel.go).
type gate struct {
	open, warmed bool
	until        time.Time
	gop          [][]byte
	gopAt        []time.Time
}

func (g *gate) access(au []byte, at time.Time, key, active bool, dec *decode.Decoder, decodeAU func([]byte, time.Time)) {
	open := !g.warmed || active || at.Before(g.until)
	switch {
	case open && !g.open:
		for i, b := range g.gop {
			decodeAU(b, g.gopAt[i])
		}
		g.gop, g.gopAt = g.gop[:0], g.gopAt[:0]
		decodeAU(au, at)
	case open:
		decodeAU(au, at)
	default:
		if key {
			g.gop, g.gopAt = g.gop[:0], g.gopAt[:0]
			dec.Reset()
			decodeAU(au, at)
		}
		g.gop = append(g.gop, au)
		g.gopAt = append(g.gopAt, at)
	}
	g.open = open
}

package quality

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/motion"
)

// Tier is one of camwatch's motion detectors as a camera's
// motion.detector names it.
type Tier = detect.Kind

// The tiers the harness runs: every detector a camera can be given.
const (
	Compressed = detect.Compressed
	Pixel      = detect.Pixel
	Gate       = detect.Gate
	Auto       = detect.Auto
)

// Tiers lists every tier in the order of the report; Auto is the default.
var Tiers = detect.Kinds

// ErrClip marks a clip the harness cannot run.
var ErrClip = errors.New("quality: unusable clip")

// Run is what a tier made of a looped clip.
type Run struct {
	// Intervals are the motion intervals in seconds from the first loop's
	// start (a loop is the clip's length).
	Intervals []Interval
	// Findings are the picture faults raised (tiers that decode).
	Findings []Finding
	// Frames is what the tier's detector observed: access units for the
	// compressed tier, decoded frames for the others.
	Frames int
	// Decoded counts access units handed to the decoder.
	Decoded int
}

// origin is the stream's time zero; any fixed instant works.
var origin = time.Unix(0, 0).UTC()

func seconds(t time.Time) float64 { return t.Sub(origin).Seconds() }

// clipCodec tells a clip's codec by its extension (.h265: H.265).
func clipCodec(path string) decode.Codec {
	if strings.HasSuffix(path, ".h265") {
		return decode.H265
	}
	return decode.H264
}

// RunClip plays a raw clip (H.264, or H.265 for .h265) loops times, back
// to back at fps, through the edge agent's own detection pipeline
// (package detect) configured as a camera with the motion settings m
// (configs.Motion defaults when zero) and the detector tier: the same
// code, gate, auto judgement and decoder the agent runs.
func RunClip(path string, fps float64, loops int, tier Tier, m configs.Motion) (Run, error) {
	var run Run
	if loops < 1 {
		return run, fmt.Errorf("%w: %d loops", ErrClip, loops)
	}
	clip, err := detect.ReadClip(path, clipCodec(path), fps)
	if err != nil {
		return run, fmt.Errorf("%w: %w", ErrClip, err)
	}
	if m.Detector == "" {
		if err := m.Validate(); err != nil {
			return run, err
		}
	}
	m.Detector = string(tier)
	cfg, ok := detect.FromMotion(m)
	if !ok {
		return run, fmt.Errorf("%w: detector off", ErrClip)
	}
	p, err := detect.New(cfg, detect.Options{})
	if err != nil {
		return run, fmt.Errorf("%w: %w", ErrClip, err)
	}
	defer p.Close()
	p.Start(clip.Codec, nil)
	var reported float64
	add := func(at time.Time, r *detect.Result) {
		for _, tr := range r.Motion {
			switch tr.Kind {
			case motion.Start:
				reported = seconds(at)
			default:
				run.Intervals = append(run.Intervals, Interval{seconds(tr.Started), seconds(tr.At), reported})
			}
		}
		for _, c := range r.Tamper {
			if c.Active {
				run.Findings = append(run.Findings, Finding{Kind: c.Kind, Since: seconds(c.Since), At: seconds(c.At)})
			}
		}
		run.Decoded += r.Decoded
		if tier == Compressed {
			run.Frames++
		} else {
			run.Frames += r.Frames
		}
	}
	end := clip.Play(p, origin, loops, add)
	r := p.Stop(end)
	if tier == Compressed {
		run.Frames-- // Stop observed no unit
	}
	add(end, r)
	return run, nil
}

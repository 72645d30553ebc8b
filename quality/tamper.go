package quality

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/motion"
)

// TamperWithin is the bound on time to detection: a tamper fault
// must be raised within this many seconds of its start.
const TamperWithin = 10.0

// truthKind maps truth.json's tamper kinds to the detector's: the clip
// set calls a black picture "covered", after what was done to the camera.
var truthKind = map[string]motion.TamperKind{
	"covered":      motion.TamperBlack,
	"frozen":       motion.TamperFrozen,
	"scene_change": motion.TamperSceneChange,
	"blurred":      motion.TamperBlurred,
}

// Finding is a tamper fault raised on a looped clip, in seconds from the
// first loop's start: Since is the first frame that showed it, At when it
// was raised.
type Finding struct {
	Kind      motion.TamperKind
	Since, At float64
}

// RunTamper plays a raw clip loops times at fps through the edge agent's
// detection pipeline with the camera settings m (configs.Motion defaults,
// so detector auto, when zero) and returns every picture fault it raised.
func RunTamper(path string, fps float64, loops int, m configs.Motion) ([]Finding, error) {
	if m.Detector == "" {
		if err := m.Validate(); err != nil {
			return nil, err
		}
	}
	run, err := RunClip(path, fps, loops, Tier(m.Detector), m)
	return run.Findings, err
}

// TamperResult is the tamper detector's verdict on one clip's scored
// loop.
type TamperResult struct {
	Clip Clip
	// Findings are the faults raised during the scored loop.
	Findings []Finding
	// Expected counts the clip's truth findings, Found those raised with
	// the right kind within TamperWithin of their start, and Wrong the
	// scored loop's findings that match no truth finding (any finding on a
	// motion or clutter clip).
	Expected, Found, Wrong int
	// Latency is, per truth finding in order, the seconds from its start
	// to the matching finding being raised; -1 when it was not found.
	Latency []float64
}

// TamperReport is the tamper detector's verdict on the whole set.
type TamperReport struct {
	Clips []TamperResult
}

// EvaluateTamper runs the tamper detector over every clip of truth found
// in dir, looping each Loops times and scoring the last loop (the first
// learns the camera's normal, as a camera watched for a while has).
func EvaluateTamper(truth Truth, dir string, m configs.Motion) (TamperReport, error) {
	var rep TamperReport
	p := truth.Seconds
	from, to := (Loops-1)*p, Loops*p
	for _, c := range truth.Clips {
		all, err := RunTamper(filepath.Join(dir, c.Name+".h264"), truth.FPS, Loops, m)
		if err != nil {
			return rep, err
		}
		r := TamperResult{Clip: c, Expected: len(c.Tamper)}
		for _, f := range all {
			if f.At >= from && f.At < to {
				r.Findings = append(r.Findings, f)
			}
		}
		used := make([]bool, len(r.Findings))
		for _, want := range c.Tamper {
			start := from + want.At
			lat := -1.0
			for i, f := range r.Findings {
				if !used[i] && f.Kind == truthKind[want.Kind] && f.At >= start && f.At-start <= TamperWithin {
					used[i], lat = true, f.At-start
					r.Found++
					break
				}
			}
			r.Latency = append(r.Latency, lat)
		}
		for _, u := range used {
			if !u {
				r.Wrong++
			}
		}
		rep.Clips = append(rep.Clips, r)
	}
	return rep, nil
}

// Total sums expected, found and wrong findings over the clips in sets
// (all when none).
func (r TamperReport) Total(sets ...Set) (expected, found, wrong int) {
	for _, c := range r.Clips {
		if len(sets) == 0 || contains(sets, c.Clip.Set) {
			expected += c.Expected
			found += c.Found
			wrong += c.Wrong
		}
	}
	return expected, found, wrong
}

// MaxLatency is the slowest found truth finding's time to detection in
// seconds; -1 when none was found.
func (r TamperReport) MaxLatency() float64 {
	m := -1.0
	for _, c := range r.Clips {
		for _, l := range c.Latency {
			m = max(m, l)
		}
	}
	return m
}

// Print writes a per-clip table (expected kind, what was raised and how
// long after the tampering began) and the totals.
func (r TamperReport) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "tamper")
	fmt.Fprintln(tw, "CLIP\tSET\tEXPECTED\tFOUND\tAFTER_S\tWRONG\tRAISED (kind@s, scored loop)")
	for _, c := range r.Clips {
		exp, after := "-", "-"
		for i, t := range c.Tamper() {
			if i > 0 {
				exp += " "
				after += " "
			}
			if i == 0 {
				exp, after = "", ""
			}
			exp += fmt.Sprintf("%s@%g", t.Kind, t.At)
			if c.Latency[i] < 0 {
				after += "missed"
			} else {
				after += fmt.Sprintf("%.1f", c.Latency[i])
			}
		}
		raised := "-"
		for i, f := range c.Findings {
			if i == 0 {
				raised = ""
			} else {
				raised += " "
			}
			raised += fmt.Sprintf("%s@%.1f", f.Kind, f.At)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", c.Clip.Name, c.Clip.Set, exp, c.Found, after, c.Wrong, raised)
	}
	e, f, wr := r.Total()
	fmt.Fprintf(tw, "tamper: found %d of %d within %.0f s (slowest %.1f s), wrong findings %d (on motion and clutter clips %d)\n",
		f, e, TamperWithin, r.MaxLatency(), wr, r.wrongOn(SetMotion, SetClutter))
	return tw.Flush()
}

// Tamper is the clip's truth findings.
func (c TamperResult) Tamper() []Tamper { return c.Clip.Tamper }

func (r TamperReport) wrongOn(sets ...Set) int {
	_, _, w := r.Total(sets...)
	return w
}

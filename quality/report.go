package quality

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"text/tabwriter"

	"github.com/camwatch/camwatch/configs"
)

// ClipResult is one tier's verdict on one clip.
type ClipResult struct {
	Clip  Clip
	Score Score
	Run   Run
}

// Report is one tier's verdict on the whole set.
type Report struct {
	Tier Tier
	// FrameSeconds is one detect frame of the tier: 1/15 s for the
	// compressed tier (every frame), 1/detect_fps for the others.
	FrameSeconds float64
	Clips        []ClipResult
}

// Loops is how often the harness plays each clip: the first loop warms
// the detectors up, as a camera watched for a while would have, and only
// the second is scored.
const Loops = 2

// Evaluate runs a tier over every clip of truth found in dir
// (<dir>/<name>.h264) with the camera settings m (defaults when zero).
func Evaluate(truth Truth, dir string, tier Tier, m configs.Motion) (Report, error) {
	if m.Detector == "" {
		if err := m.Validate(); err != nil {
			return Report{}, err
		}
	}
	rep := Report{Tier: tier, FrameSeconds: 1 / truth.FPS}
	if tier != Compressed {
		rep.FrameSeconds = 1 / m.DetectFPS
	}
	for _, c := range truth.Clips {
		run, err := RunClip(filepath.Join(dir, c.Name+".h264"), truth.FPS, Loops, tier, m)
		if err != nil {
			return rep, err
		}
		p := truth.Seconds
		s := MatchLooped(c.Motion, p, (Loops-1)*p, Loops*p, run.Intervals)
		rep.Clips = append(rep.Clips, ClipResult{Clip: c, Score: s, Run: run})
	}
	return rep, nil
}

// Total sums the scores of the clips in the given sets (all when none).
func (r Report) Total(sets ...Set) Score {
	var s Score
	for _, c := range r.Clips {
		if len(sets) == 0 || contains(sets, c.Clip.Set) {
			s = s.Add(c.Score)
		}
	}
	return s
}

// Scored is the F1 population: the motion and the clutter clips. Tamper
// clips are judged by tamper findings, which camwatch does not raise yet.
func (r Report) Scored() Score { return r.Total(SetMotion, SetClutter) }

func contains(sets []Set, s Set) bool {
	for _, v := range sets {
		if v == s {
			return true
		}
	}
	return false
}

// Print writes a per-clip table and the totals.
func (r Report) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "tier %s\n", r.Tier)
	fmt.Fprintln(tw, "CLIP\tSET\tTRUTH\tDETECTED\tTP\tFOUND\tFALSE\tONSET_S\tINTERVALS")
	for _, c := range r.Clips {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", c.Clip.Name, c.Clip.Set,
			c.Score.Truth, c.Score.Detected, c.Score.TruePos, c.Score.Found, c.Score.FalseAlarms(),
			fmtOnset(c.Score.MaxOnset()), fmtIntervals(c.Run.Intervals))
	}
	s := r.Scored()
	fmt.Fprintf(tw, "motion+clutter: precision %.2f recall %.2f F1 %.2f, false alarms %d (clutter %d, tamper clips %d), onset median %s s max %s s = %s detect frames, announced at most %s s after\n",
		s.Precision(), s.Recall(), s.F1(), s.FalseAlarms(), r.Total(SetClutter).FalseAlarms(),
		r.Total(SetTamper).Detected, fmtOnset(s.MedianOnset()), fmtOnset(s.MaxOnset()),
		fmtOnset(s.MaxOnset()/r.FrameSeconds), fmtOnset(s.MaxAlert()))
	return tw.Flush()
}

func fmtOnset(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtIntervals(ivs []Interval) string {
	if len(ivs) == 0 {
		return "-"
	}
	s := ""
	for i, iv := range ivs {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.1f-%.1f", iv.Start, iv.End)
	}
	return s
}

package quality

import (
	"math"
	"slices"
)

// Score is how detected intervals compare with the truth on one clip or,
// summed, on many. A detection is a true positive when it overlaps a truth
// interval; a truth interval is found when a detection overlaps it.
type Score struct {
	Detected int // detected intervals
	TruePos  int // detected intervals overlapping the truth
	Truth    int // truth intervals
	Found    int // truth intervals overlapped by a detection
	// Onsets are, per found truth interval, the seconds from its start to
	// the start of the first detection overlapping it (negative: early).
	Onsets []float64
	// Alerts are, per found truth interval, the seconds from its start to
	// when the first overlapping detection was announced: what an
	// operator waits.
	Alerts []float64
}

// FalseAlarms is the number of detections that overlap no truth interval.
func (s Score) FalseAlarms() int { return s.Detected - s.TruePos }

// Precision is TruePos/Detected, 1 when nothing was detected.
func (s Score) Precision() float64 {
	if s.Detected == 0 {
		return 1
	}
	return float64(s.TruePos) / float64(s.Detected)
}

// Recall is Found/Truth, 1 when there was nothing to find.
func (s Score) Recall() float64 {
	if s.Truth == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Truth)
}

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// MedianOnset is the median onset in seconds, NaN without any.
func (s Score) MedianOnset() float64 { return quantile(s.Onsets, 0.5) }

// MaxOnset is the worst onset in seconds, NaN without any.
func (s Score) MaxOnset() float64 { return quantile(s.Onsets, 1) }

// MaxAlert is the worst announcement delay in seconds, NaN without any.
func (s Score) MaxAlert() float64 { return quantile(s.Alerts, 1) }

// Add sums two scores.
func (s Score) Add(o Score) Score {
	s.Detected += o.Detected
	s.TruePos += o.TruePos
	s.Truth += o.Truth
	s.Found += o.Found
	s.Onsets = append(append([]float64(nil), s.Onsets...), o.Onsets...)
	s.Alerts = append(append([]float64(nil), s.Alerts...), o.Alerts...)
	return s
}

// Match scores detections against truth intervals of the same timeline.
func Match(truth, detected []Interval) Score {
	s := Score{Detected: len(detected), Truth: len(truth)}
	for _, d := range detected {
		for _, t := range truth {
			if overlaps(d, t) {
				s.TruePos++
				break
			}
		}
	}
	for _, t := range truth {
		first, alert := math.Inf(1), math.Inf(1)
		for _, d := range detected {
			if overlaps(d, t) && d.Start < first {
				first, alert = d.Start, d.reported()
			}
		}
		if !math.IsInf(first, 1) {
			s.Found++
			s.Onsets = append(s.Onsets, first-t.Start)
			s.Alerts = append(s.Alerts, alert-t.Start)
		}
	}
	return s
}

// MatchLooped scores detections on a camera that loops a clip of period
// seconds, starting at time 0: the clip's truth is repeated over
// [from, to), and detections are cut to that window (one that lies
// outside it is ignored). A warm-up before from is thus never judged.
func MatchLooped(clip []Interval, period, from, to float64, detected []Interval) Score {
	var truth []Interval
	for k := math.Floor(from / period); k*period < to; k++ {
		for _, iv := range clip {
			t := Interval{Start: iv.Start + k*period, End: iv.End + k*period}
			if t.Start >= from && t.Start < to {
				truth = append(truth, t)
			}
		}
	}
	var in []Interval
	for _, d := range detected {
		d.Start, d.End, d.Reported = max(d.Start, from), min(d.End, to), max(d.reported(), from)
		if d.End > d.Start || (d.End == d.Start && d.Start > from && d.Start < to) {
			in = append(in, d)
		}
	}
	return Match(truth, in)
}

func overlaps(a, b Interval) bool { return a.Start <= b.End && b.Start <= a.End }

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(math.Round(q*float64(len(s)-1)))]
}

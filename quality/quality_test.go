package quality

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/camwatch/camwatch/configs"
)

// TestClipSet guards the detectors' quality on the committed clips. The
// floors are what the tiers reached when the set was made (see
// docs/BENCHMARKS.md, "Motion detection quality"), not the goals:
// a change that lowers them is a regression.
func TestClipSet(t *testing.T) {
	truth, err := LoadTruth("testdata/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tier Tier
		// minF1 over the motion and clutter clips; minRecall of the walkers.
		minF1, minRecall float64
		// maxClutter false alarms on the clutter clips.
		maxClutter int
		// maxOnset in the tier's detect frames.
		maxOnset float64
	}{
		{tier: Compressed, minF1: 0.92, minRecall: 1, maxClutter: 1, maxOnset: 3},
		{tier: Pixel, minF1: 1, minRecall: 1, maxClutter: 0, maxOnset: 2},
		{tier: Gate, minF1: 1, minRecall: 1, maxClutter: 0, maxOnset: 2},
		{tier: Auto, minF1: 1, minRecall: 1, maxClutter: 0, maxOnset: 2},
	}
	for _, tc := range cases {
		t.Run(string(tc.tier), func(t *testing.T) {
			rep, err := Evaluate(truth, "testdata/clips", tc.tier, configs.Motion{})
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				rep.Print(os.Stdout)
			}
			s := rep.Scored()
			if s.F1() < tc.minF1 {
				t.Errorf("F1 %.2f, want at least %.2f", s.F1(), tc.minF1)
			}
			if r := rep.Total(SetMotion).Recall(); r < tc.minRecall {
				t.Errorf("recall %.2f, want at least %.2f", r, tc.minRecall)
			}
			if n := rep.Total(SetClutter).FalseAlarms(); n > tc.maxClutter {
				t.Errorf("%d false alarms on clutter clips, want at most %d", n, tc.maxClutter)
			}
			if on := s.MaxOnset() / rep.FrameSeconds; math.IsNaN(on) || on > tc.maxOnset+1e-9 {
				t.Errorf("worst onset %.1f detect frames, want at most %.0f", on, tc.maxOnset)
			}
			for _, c := range rep.Clips {
				if c.Clip.Name == "static" && c.Score.Detected > 0 {
					t.Errorf("static clip raised %d intervals", c.Score.Detected)
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		name                string
		truth, detected     []Interval
		tp, found, falseAls int
		onset               float64
	}{
		{name: "exact", truth: []Interval{{Start: 5, End: 10}}, detected: []Interval{{Start: 5.2, End: 10}}, tp: 1, found: 1, onset: 0.2},
		{name: "miss", truth: []Interval{{Start: 5, End: 10}}, detected: nil, onset: math.NaN()},
		{name: "false alarm", truth: nil, detected: []Interval{{Start: 1, End: 2}}, falseAls: 1, onset: math.NaN()},
		{name: "split detection", truth: []Interval{{Start: 3, End: 13}}, detected: []Interval{{Start: 3.4, End: 6}, {Start: 7, End: 13}}, tp: 2, found: 1, onset: 0.4},
		{name: "one detection spans two", truth: []Interval{{Start: 3, End: 5}, {Start: 10, End: 12}}, detected: []Interval{{Start: 3, End: 12}}, tp: 1, found: 2, onset: 0},
		{name: "early start", truth: []Interval{{Start: 5, End: 10}}, detected: []Interval{{Start: 4.5, End: 6}}, tp: 1, found: 1, onset: -0.5},
		{name: "touching counts", truth: []Interval{{Start: 5, End: 10}}, detected: []Interval{{Start: 10, End: 11}}, tp: 1, found: 1, onset: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Match(tc.truth, tc.detected)
			if s.TruePos != tc.tp || s.Found != tc.found || s.FalseAlarms() != tc.falseAls {
				t.Errorf("tp %d found %d false %d, want %d %d %d", s.TruePos, s.Found, s.FalseAlarms(), tc.tp, tc.found, tc.falseAls)
			}
			on := s.MaxOnset()
			if math.IsNaN(on) != math.IsNaN(tc.onset) || (!math.IsNaN(on) && math.Abs(on-tc.onset) > 1e-9) {
				t.Errorf("onset %v, want %v", on, tc.onset)
			}
		})
	}
}

func TestMatchLooped(t *testing.T) {
	clip := []Interval{{Start: 5, End: 10}}
	cases := []struct {
		name            string
		detected        []Interval
		truth, detect   int
		found, falseAls int
	}{
		{name: "warm-up loop ignored", detected: []Interval{{Start: 0.5, End: 2}, {Start: 21, End: 26}}, truth: 2, detect: 1, found: 1},
		{name: "every loop", detected: []Interval{{Start: 21, End: 26}, {Start: 37, End: 42}}, truth: 2, detect: 2, found: 2},
		{name: "straddling the window start is cut", detected: []Interval{{Start: 14, End: 17}}, truth: 2, detect: 1, falseAls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := MatchLooped(clip, 16, 16, 48, tc.detected)
			if s.Truth != tc.truth || s.Detected != tc.detect || s.Found != tc.found || s.FalseAlarms() != tc.falseAls {
				t.Errorf("got truth %d detected %d found %d false %d, want %d %d %d %d",
					s.Truth, s.Detected, s.Found, s.FalseAlarms(), tc.truth, tc.detect, tc.found, tc.falseAls)
			}
		})
	}
}

func TestScoreRatios(t *testing.T) {
	cases := []struct {
		name     string
		s        Score
		p, r, f1 float64
	}{
		{name: "nothing to find, nothing found", s: Score{}, p: 1, r: 1, f1: 1},
		{name: "all missed", s: Score{Truth: 2}, p: 1, r: 0, f1: 0},
		{name: "half", s: Score{Detected: 2, TruePos: 1, Truth: 2, Found: 1}, p: 0.5, r: 0.5, f1: 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.s.Precision() != tc.p || tc.s.Recall() != tc.r || tc.s.F1() != tc.f1 {
				t.Errorf("p %v r %v f1 %v, want %v %v %v", tc.s.Precision(), tc.s.Recall(), tc.s.F1(), tc.p, tc.r, tc.f1)
			}
		})
	}
}

func TestLoadTruthRejects(t *testing.T) {
	cases := []struct{ name, body string }{
		{"not json", "{"},
		{"no clips", `{"fps": 15, "seconds": 16, "clips": []}`},
		{"unknown set", `{"fps": 15, "seconds": 16, "clips": [{"name": "a", "set": "x"}]}`},
		{"interval past the end", `{"fps": 15, "seconds": 16, "clips": [{"name": "a", "set": "motion", "motion": [[10, 20]]}]}`},
		{"reversed interval", `{"fps": 15, "seconds": 16, "clips": [{"name": "a", "set": "motion", "motion": [[5, 4]]}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "truth.json")
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadTruth(p); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRunClipRejects(t *testing.T) {
	if _, err := RunClip("testdata/truth.json", 15, 1, Pixel, configs.Motion{}); err == nil {
		t.Fatal("a JSON file ran as a clip")
	}
	if _, err := RunClip("testdata/clips/static.h264", 15, 1, Tier("nope"), configs.Motion{}); err == nil {
		t.Fatal("an unknown tier ran")
	}
}

func TestMatchAlert(t *testing.T) {
	cases := []struct {
		name     string
		detected Interval
		alert    float64
	}{
		{name: "announced after the minimum duration", detected: Interval{Start: 5.2, End: 9.8, Reported: 5.6}, alert: 0.6},
		{name: "announced at its start", detected: Interval{Start: 5.4, End: 9.8}, alert: 0.4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Match([]Interval{{Start: 5, End: 10}}, []Interval{tc.detected})
			if a := s.MaxAlert(); math.Abs(a-tc.alert) > 1e-9 {
				t.Errorf("alert %v s, want %v s", a, tc.alert)
			}
		})
	}
}

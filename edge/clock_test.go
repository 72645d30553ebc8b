package edge

import (
	"testing"
	"time"
)

// TestStreamClock: frames are timed by the camera's timestamps mapped
// onto the agent's clock through the least delay seen, so a backlog in the
// agent keeps the camera's spacing, while timestamps that cannot be
// trusted fall back to the arrival.
func TestStreamClock(t *testing.T) {
	const fi = time.Second / 15
	t0 := time.Unix(1_700_000_000, 0)
	type in struct {
		ts      time.Duration
		arrived time.Duration // after t0
	}
	steady := func(n int, from time.Duration) []in {
		var out []in
		for i := range n {
			out = append(out, in{from + time.Duration(i)*fi, time.Duration(i) * fi})
		}
		return out
	}
	steady0 := func(n int) []time.Duration {
		var out []time.Duration
		for i := range n {
			out = append(out, time.Duration(i)*fi)
		}
		return out
	}
	cases := []struct {
		name string
		in   []in
		want []time.Duration // after t0, per frame
	}{
		{"steady", steady(4, 0), []time.Duration{0, fi, 2 * fi, 3 * fi}},
		{"a backlog keeps the spacing", []in{{0, 0}, {fi, fi}, {2 * fi, time.Second}, {3 * fi, time.Second}, {4 * fi, time.Second}},
			[]time.Duration{0, fi, 2 * fi, 3 * fi, 4 * fi}},
		{"a late first frame is corrected by a faster one", []in{{0, 3 * fi}, {fi, 3 * fi}, {2 * fi, 3 * fi}, {3 * fi, 3 * fi}, {4 * fi, 4 * fi}},
			[]time.Duration{3 * fi, 3 * fi, 3 * fi, 3 * fi, 4 * fi}},
		{"a backlog longer than the window: the arrivals", append(steady(15, 0), in{time.Second, 40 * time.Second}, in{time.Second + fi, 40*time.Second + fi}),
			append(steady0(15), 40*time.Second, 40*time.Second+fi)},
		{"constant timestamps: arrivals", []in{{5 * fi, 0}, {5 * fi, fi}, {5 * fi, 3 * fi}}, []time.Duration{0, fi, 3 * fi}},
		{"backwards: the arrival, then counting from it", []in{{10 * fi, 0}, {11 * fi, fi}, {2 * fi, 2 * fi}, {3 * fi, 3 * fi}},
			[]time.Duration{0, fi, 2 * fi, 3 * fi}},
		{"a jump of minutes: the arrival", []in{{0, 0}, {fi, fi}, {10 * time.Minute, 2 * fi}}, []time.Duration{0, fi, 2 * fi}},
		{"the 32-bit RTP clock wraps", []in{{tsWrap - fi, 0}, {0, fi}, {fi, 2 * fi}}, []time.Duration{0, fi, 2 * fi}},
		{"estimates never go back", []in{{0, 0}, {fi, fi}, {fi + time.Millisecond, 2 * fi}, {3 * fi, 3 * fi}},
			[]time.Duration{0, fi, fi + time.Millisecond, 3 * fi}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c streamClock
			for i, f := range tc.in {
				got := c.at(f.ts, t0.Add(f.arrived)).Sub(t0)
				if got != tc.want[i] {
					t.Errorf("frame %d: %v, want %v", i, got, tc.want[i])
				}
			}
		})
	}
}

// TestStreamClockDrift: a camera whose clock runs 1 % slow is re-anchored
// every window, so its frames never lag their arrival by more than a
// window's drift; a fast one is followed at once.
func TestStreamClockDrift(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name  string
		ratio float64 // camera seconds per agent second
	}{{"slow camera", 0.99}, {"fast camera", 1.01}} {
		t.Run(tc.name, func(t *testing.T) {
			var c streamClock
			worst := time.Duration(0)
			for i := range 15 * 300 {
				arrived := time.Duration(i) * time.Second / 15
				ts := time.Duration(float64(arrived) * tc.ratio)
				lag := arrived - c.at(ts, t0.Add(arrived)).Sub(t0)
				if lag < 0 {
					t.Fatalf("frame %d timed %v after its arrival", i, -lag)
				}
				worst = max(worst, lag)
			}
			if limit := time.Duration(float64(clockWindow) * 0.011); worst > limit {
				t.Errorf("frames lag their arrival by up to %v, want at most %v", worst, limit)
			}
		})
	}
}

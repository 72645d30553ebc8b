package uptime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

func TestTimeline(t *testing.T) {
	online48 := tr(at(-48, 0), 1, Online, "")
	iv := func(from, to int, s State, reason string) Interval {
		return Interval{Span{at(from, 0), at(to, 0)}, s, reason}
	}
	cases := []struct {
		name  string
		cam   Camera
		lost  []Span
		maint []MaintenanceWindow
		want  []Interval
	}{
		{
			name: "agent loss and program maintenance painted over an outage",
			cam: Camera{ID: "cam-1", Agent: "agent-1", Labels: event.Labels{Program: "p1"}, Transitions: []Transition{
				online48, tr(at(9, 0), 2, Offline, "refused"), tr(at(13, 0), 3, Online, ""),
			}},
			// Two touching loss spans merge into one unknown interval.
			lost:  []Span{{at(8, 0), at(9, 0)}, {at(7, 0), at(8, 0)}},
			maint: []MaintenanceWindow{{Program: "p1", Span: Span{at(12, 0), at(14, 0)}}},
			want: []Interval{
				iv(0, 7, Online, ""), iv(7, 9, Unknown, ""), iv(9, 12, Offline, "refused"),
				iv(12, 14, Maintenance, ""), iv(14, 24, Online, ""),
			},
		},
		{
			name: "a loss span straddling two intervals",
			cam: Camera{ID: "cam-1", Agent: "agent-1", Transitions: []Transition{
				online48, tr(at(9, 0), 2, Offline, "refused"), tr(at(13, 0), 3, Online, ""),
			}},
			lost: []Span{{at(11, 0), at(14, 0)}},
			want: []Interval{iv(0, 9, Online, ""), iv(9, 11, Offline, "refused"), iv(11, 14, Unknown, ""), iv(14, 24, Online, "")},
		},
		{
			name: "repeated reports of the same state merge",
			cam: Camera{ID: "cam-1", Transitions: []Transition{
				tr(at(2, 0), 1, Online, ""), tr(at(3, 0), 2, Online, ""), tr(at(5, 0), 3, Offline, "a"), tr(at(6, 0), 4, Offline, "b"),
			}},
			want: []Interval{iv(2, 5, Online, ""), iv(5, 6, Offline, "a"), iv(6, 24, Offline, "b")},
		},
		{name: "no transitions", cam: Camera{ID: "cam-1"}, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hist := &History{AgentLost: map[string][]Span{"agent-1": tc.lost}, Maintenance: tc.maint}
			got, _ := hist.Timeline(&tc.cam, day)
			if !slices.EqualFunc(got, tc.want, func(a, b Interval) bool {
				return a.From.Equal(b.From) && a.To.Equal(b.To) && a.State == b.State && a.Reason == b.Reason
			}) {
				t.Errorf("timeline\n got %s\nwant %s", fmtIntervals(got), fmtIntervals(tc.want))
			}
		})
	}
}

func fmtIntervals(ivs []Interval) string {
	s := ""
	for _, iv := range ivs {
		s += fmt.Sprintf("[%s-%s %s %s] ", iv.From.In(ict).Format("15:04"), iv.To.In(ict).Format("15:04"), iv.State, iv.Reason)
	}
	return s
}

// TestAgainstMinuteOracle compares random histories with a brute-force
// model that decides the state of every minute on its own, so the interval
// arithmetic (clipping, painting, merging, day cuts) is checked against
// something that shares none of it.
func TestAgainstMinuteOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2026))
	states := []State{Online, Online, Degraded, Offline, Offline, Unknown}
	base := at(0, 0)
	minute := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	for run := range 200 {
		// A window of up to three days on the minute grid.
		wFrom := rng.IntN(24 * 60)
		wTo := wFrom + rng.IntN(3*24*60)
		win := Span{minute(wFrom), minute(wTo)}
		cam := Camera{ID: "cam", Agent: "agent-1", Labels: event.Labels{Program: "p"}}
		for i := range rng.IntN(30) {
			tt := tr(minute(rng.IntN(5*24*60)-24*60), uint64(i+1), states[rng.IntN(len(states))], fmt.Sprint("r", rng.IntN(2)))
			cam.Transitions = append(cam.Transitions, tt)
			if rng.IntN(5) == 0 { // a redelivered copy
				cam.Transitions = append(cam.Transitions, tt)
			}
		}
		if rng.IntN(3) == 0 {
			cam.Removed = minute(rng.IntN(4 * 24 * 60))
		}
		rng.Shuffle(len(cam.Transitions), func(i, j int) {
			cam.Transitions[i], cam.Transitions[j] = cam.Transitions[j], cam.Transitions[i]
		})
		span := func() Span {
			f := rng.IntN(4*24*60) - 12*60
			return Span{minute(f), minute(f + rng.IntN(6*60))}
		}
		var lost []Span
		for range rng.IntN(4) {
			lost = append(lost, span())
		}
		var maint []MaintenanceWindow
		for range rng.IntN(3) {
			maint = append(maint, MaintenanceWindow{Camera: "cam", Span: span()}, MaintenanceWindow{Program: "p", Span: span()})
		}
		hist := &History{Cameras: []Camera{cam}, AgentLost: map[string][]Span{"agent-1": lost}, Maintenance: maint}

		r, err := Compute(hist, Options{Window: win, Location: ict})
		if err != nil {
			t.Fatal(err)
		}
		c := r.Cameras[0]

		// The oracle, minute by minute.
		sorted := slices.Clone(cam.Transitions)
		slices.SortFunc(sorted, cmpTransition)
		covers := func(spans []Span, m time.Time) bool {
			for _, s := range spans {
				if !m.Before(s.From) && m.Before(s.To) {
					return true
				}
			}
			return false
		}
		var want Totals
		days := map[string]time.Duration{}
		outs, inRun := 0, false
		for m := wFrom; m < wTo; m++ {
			tm := minute(m)
			var st State
			for _, x := range sorted {
				if !x.Time.After(tm) {
					st = x.State
				}
			}
			if st == "" || (!cam.Removed.IsZero() && !tm.Before(cam.Removed)) {
				continue // not monitored
			}
			var ms []Span
			for _, mw := range maint {
				ms = append(ms, mw.Span)
			}
			switch {
			case covers(ms, tm):
				st = Maintenance
			case covers(lost, tm):
				st = Unknown
			}
			want.add(st, time.Minute)
			days[tm.In(ict).Format(time.DateOnly)] += time.Minute
			switch st {
			case Offline:
				if !inRun {
					outs++
					inRun = true
				}
			case Online, Degraded:
				inRun = false
			}
		}
		if c.Totals != want || c.Outages != outs {
			t.Fatalf("run %d: totals %+v outages %d; oracle %+v outages %d\nhistory %+v", run, c.Totals, c.Outages, want, outs, hist)
		}
		var down time.Duration
		for _, o := range c.OutageList {
			down += o.Down
		}
		if down != c.Offline {
			t.Fatalf("run %d: outages hold %v down, offline is %v", run, down, c.Offline)
		}
		for _, d := range r.All.Daily {
			if d.Monitored != days[d.Date] {
				t.Fatalf("run %d: day %s monitored %v, oracle %v", run, d.Date, d.Monitored, days[d.Date])
			}
		}
	}
}

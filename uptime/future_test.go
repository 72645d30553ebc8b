package uptime

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestReportNeverCountsTheFuture: whatever window is asked for, time after
// the report's now is in no figure (monitored, online, offline, outages,
// the daily series), the answer says where it stopped, and time before a
// camera's first transition is not monitored either.
func TestReportNeverCountsTheFuture(t *testing.T) {
	// Online from 08:00, offline 10:00-10:30, online again, now 12:00.
	now := at(12, 0)
	hist := &History{Cameras: []Camera{{ID: "c1", Agent: "e1", Labels: event.Labels{Program: "p"}, Transitions: []Transition{
		tr(at(8, 0), 1, Online, ""), tr(at(10, 0), 2, Offline, "refused"), tr(at(10, 30), 3, Online, ""),
	}}}}
	cases := []struct {
		name       string
		w          Span
		measuredTo time.Time
		want       Figures
		days       []string
	}{
		{
			name: "to 25 s in the future", w: Span{at(11, 0), now.Add(25 * time.Second)}, measuredTo: now,
			want: Figures{Totals: Totals{Monitored: h, Online: h}, UptimePercent: 100, Rated: true},
			days: []string{"2024-05-01"},
		},
		{
			name: "a month's report run mid-month", w: Span{at(0, 0), at(24*30, 0)}, measuredTo: now,
			// From the first transition (08:00, not midnight) to now.
			want: Figures{Totals: Totals{Monitored: 4 * h, Online: 3*h + 30*time.Minute, Offline: 30 * time.Minute},
				UptimePercent: 87.5, Rated: true, Outages: 1, Resolved: 1, LongestOutage: 30 * time.Minute,
				MTTR: 30 * time.Minute, MTBF: 3*h + 30*time.Minute},
			days: []string{"2024-05-01"}, // not 30 days, 29 of them empty
		},
		{
			name: "from after now", w: Span{now.Add(h), now.Add(2 * h)}, measuredTo: now.Add(h),
			want: Figures{},
		},
		{
			name: "from before the first transition", w: Span{at(-48, 0), at(9, 0)}, measuredTo: at(9, 0),
			want: Figures{Totals: Totals{Monitored: h, Online: h}, UptimePercent: 100, Rated: true},
			days: []string{"2024-04-29", "2024-04-30", "2024-05-01"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(hist, Options{Window: tc.w, Now: now, GroupBy: GroupProgram, Location: ict})
			if err != nil {
				t.Fatal(err)
			}
			if r.Window != tc.w || !r.MeasuredTo.Equal(tc.measuredTo) {
				t.Errorf("window %v measured to %s, want %v measured to %s", r.Window, r.MeasuredTo, tc.w, tc.measuredTo)
			}
			checkFigures(t, r.All.Figures, tc.want)
			checkFigures(t, r.Cameras[0].Figures, tc.want)
			var days []string
			var sum Totals
			for _, d := range r.All.Daily {
				days = append(days, d.Date)
				sum.merge(d.Totals)
				if d.To.After(r.MeasuredTo) {
					t.Errorf("day %s ends %s, after the measured end", d.Date, d.To)
				}
			}
			if len(days) != len(tc.days) {
				t.Errorf("days %v, want %v", days, tc.days)
			}
			if sum != tc.want.Totals {
				t.Errorf("daily series adds up to %+v, want %+v", sum, tc.want.Totals)
			}
			s := r.Summary(false)
			if !s.To.Equal(tc.w.To) || !s.MeasuredTo.Equal(tc.measuredTo) {
				t.Errorf("summary to %s measured to %s", s.To, s.MeasuredTo)
			}
		})
	}
}

// TestSilentCameraIsUnknown: a camera whose agent still reports but which
// itself has sent nothing since its last event is unknown from then on,
// however good its last report was; removed, it is not monitored.
func TestSilentCameraIsUnknown(t *testing.T) {
	now := at(12, 0)
	base := Camera{ID: "c1", Agent: "e1", Transitions: []Transition{tr(at(8, 0), 1, Online, "")}}
	silent, removed := base, base
	silent.Silent = at(11, 0)
	removed.Removed = at(11, 0)
	for _, tc := range []struct {
		name string
		cam  Camera
		want Totals
	}{
		{"reporting", base, Totals{Monitored: 4 * h, Online: 4 * h}},
		{"silent since 11:00", silent, Totals{Monitored: 4 * h, Online: 3 * h, Unknown: h}},
		{"removed at 11:00", removed, Totals{Monitored: 3 * h, Online: 3 * h}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(&History{Cameras: []Camera{tc.cam}}, Options{Window: Span{at(0, 0), at(24, 0)}, Now: now, Location: ict})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Cameras[0].Totals; got != tc.want {
				t.Errorf("totals %+v, want %+v", got, tc.want)
			}
		})
	}
}

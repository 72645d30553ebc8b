package uptime

import (
	"testing"

	"github.com/camwatch/camwatch/event"
)

// TestCameraFigures checks one camera's figures over the day 2024-05-01
// (local) against hand arithmetic; every case states it.
func TestCameraFigures(t *testing.T) {
	online48 := tr(at(-48, 0), 1, Online, "") // online since two days before
	cases := []struct {
		name        string
		cam         Camera
		lost        []Span
		maint       []MaintenanceWindow
		want        Figures
		wantOutages []Outage
		skipped     int
	}{
		{
			name: "online all day",
			cam:  Camera{Transitions: []Transition{online48}},
			// 24 h monitored, all online: 24/24 = 100 %; no outage.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 24 * h}, UptimePercent: 100, Rated: true},
		},
		{
			name: "outage crossing both window edges",
			cam: Camera{Transitions: []Transition{
				tr(at(-2, 0), 1, Offline, "timeout"), tr(at(25, 0), 2, Online, ""),
			}},
			// Offline 22:00 the day before to 01:00 the day after: the
			// window sees 24 h offline, 0 %; one outage, clipped to 24 h,
			// not resolved inside the window so no MTTR; MTBF = 0 up / 1.
			want: Figures{Totals: Totals{Monitored: 24 * h, Offline: 24 * h}, UptimePercent: 0, Rated: true,
				Outages: 1, LongestOutage: 24 * h},
			wantOutages: []Outage{{Span: day, Reason: "timeout", Down: 24 * h}},
		},
		{
			name: "outage from before the window resolved inside",
			cam: Camera{Transitions: []Transition{
				online48, tr(at(-1, 0), 2, Offline, "stalled"), tr(at(2, 0), 3, Online, ""),
			}},
			// Offline 23:00 (day before) to 02:00: 2 h inside; online 22 h.
			// 22/24 = 91.666…%; MTTR = 2 h / 1; MTBF = 22 h / 1.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 22 * h, Offline: 2 * h}, UptimePercent: 91.66666666666667, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 2 * h, MTTR: 2 * h, MTBF: 22 * h},
			wantOutages: []Outage{{Span: Span{at(0, 0), at(2, 0)}, Reason: "stalled", Down: 2 * h, Resolved: true}},
		},
		{
			name: "late, out of order and duplicated transitions",
			cam: Camera{Transitions: []Transition{
				tr(at(2, 0), 3, Online, ""), tr(at(-1, 0), 2, Offline, "stalled"), tr(at(2, 0), 3, Online, ""),
				online48, tr(at(-1, 0), 2, Offline, "stalled"),
			}},
			// The same history as the case above, shuffled with repeats:
			// the same figures.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 22 * h, Offline: 2 * h}, UptimePercent: 91.66666666666667, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 2 * h, MTTR: 2 * h, MTBF: 22 * h},
		},
		{
			name: "two transitions at the same instant: the later seq wins",
			cam: Camera{Transitions: []Transition{
				tr(at(5, 0), 3, Online, ""), online48, tr(at(5, 0), 2, Offline, "closed"),
			}},
			// Offline (seq 2) and online again (seq 3) at 05:00: the offline
			// state lasts 0 s, so no outage: 24/24 online.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 24 * h}, UptimePercent: 100, Rated: true},
		},
		{
			name: "outage still open at the window end",
			cam:  Camera{Transitions: []Transition{online48, tr(at(23, 0), 2, Offline, "refused")}},
			// Online 23 h, offline 1 h: 23/24 = 95.833…%; the outage has no
			// known end, so no MTTR; MTBF = 23 h / 1.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 23 * h, Offline: 1 * h}, UptimePercent: 95.83333333333333, Rated: true,
				Outages: 1, LongestOutage: h, MTBF: 23 * h},
		},
		{
			name: "added mid-window, one outage with two reasons",
			cam: Camera{Transitions: []Transition{
				tr(at(6, 0), 1, Online, ""), tr(at(12, 0), 2, Offline, "timeout"),
				tr(at(12, 30), 3, Offline, "refused"), tr(at(13, 0), 4, Online, ""),
			}},
			// Monitored from 06:00: 18 h; offline 12:00-13:00 = 1 h (timeout
			// then refused, one outage named after the first reason); online
			// 17 h. 17/18 = 94.444…%; MTTR 1 h; MTBF 17 h.
			want: Figures{Totals: Totals{Monitored: 18 * h, Online: 17 * h, Offline: h}, UptimePercent: 94.44444444444444, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: h, MTTR: h, MTBF: 17 * h},
			wantOutages: []Outage{{Span: Span{at(12, 0), at(13, 0)}, Reason: "timeout", Down: h, Resolved: true}},
		},
		{
			name: "removed mid-window",
			cam: Camera{Removed: at(20, 0), Transitions: []Transition{
				online48, tr(at(10, 0), 2, Offline, "closed"), tr(at(11, 0), 3, Online, ""),
				tr(at(21, 0), 4, Offline, "closed"), // after the removal: ignored
			}},
			// Monitored 00:00-20:00 = 20 h; offline 1 h; online 19 h:
			// 19/20 = 95 %; MTTR 1 h; MTBF 19 h.
			want: Figures{Totals: Totals{Monitored: 20 * h, Online: 19 * h, Offline: h}, UptimePercent: 95, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: h, MTTR: h, MTBF: 19 * h},
		},
		{
			name: "removed during an outage",
			cam:  Camera{Removed: at(20, 0), Transitions: []Transition{online48, tr(at(18, 0), 2, Offline, "refused")}},
			// Monitored 20 h: online 18 h, offline 2 h: 18/20 = 90 %. Removal
			// is no repair: the outage is unresolved, no MTTR; MTBF 18 h.
			want: Figures{Totals: Totals{Monitored: 20 * h, Online: 18 * h, Offline: 2 * h}, UptimePercent: 90, Rated: true,
				Outages: 1, LongestOutage: 2 * h, MTBF: 18 * h},
		},
		{
			name: "agent lost while the camera was fine",
			cam:  Camera{Agent: "agent-1", Transitions: []Transition{online48}},
			lost: []Span{{at(8, 0), at(10, 0)}},
			// Unknown 08:00-10:00 = 2 h, out of the denominator: observed
			// 24 − 2 = 22 h, online 22 h: 100 %.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 22 * h, Unknown: 2 * h}, UptimePercent: 100, Rated: true},
		},
		{
			name: "agent lost during an outage",
			cam: Camera{Agent: "agent-1", Transitions: []Transition{
				online48, tr(at(8, 0), 2, Offline, "stalled"), tr(at(12, 0), 3, Online, ""),
			}},
			lost: []Span{{at(9, 0), at(10, 0)}},
			// Offline 08-09 and 10-12 = 3 h around 1 h unknown: one outage
			// (never seen up in between) of 3 h down. Online 20 h; observed
			// 24 − 1 = 23 h: 20/23 = 86.956…%; MTTR 3 h; MTBF 20 h.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 20 * h, Offline: 3 * h, Unknown: h}, UptimePercent: 86.95652173913044, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 3 * h, MTTR: 3 * h, MTBF: 20 * h},
			wantOutages: []Outage{{Span: Span{at(8, 0), at(12, 0)}, Reason: "stalled", Down: 3 * h, Resolved: true}},
		},
		{
			name: "another agent's loss does not matter",
			cam:  Camera{Agent: "agent-2", Transitions: []Transition{online48}},
			lost: []Span{{at(8, 0), at(10, 0)}},
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 24 * h}, UptimePercent: 100, Rated: true},
		},
		{
			name: "maintenance overlapping an outage",
			cam: Camera{ID: "cam-1", Labels: event.Labels{Program: "p1"}, Transitions: []Transition{
				online48, tr(at(9, 0), 2, Offline, "refused"), tr(at(13, 0), 3, Online, ""),
			}},
			maint: []MaintenanceWindow{
				{Camera: "cam-1", Span: Span{at(8, 0), at(10, 0)}},
				{Program: "p1", Span: Span{at(12, 0), at(14, 0)}},
				{Camera: "cam-2", Span: Span{at(0, 0), at(24, 0)}}, // another camera
				{Program: "p2", Span: Span{at(0, 0), at(24, 0)}},   // another program
			},
			// Online 0-8, maintenance 8-10, offline 10-12, maintenance 12-14,
			// online 14-24: online 8 + 10 = 18 h, offline 2 h, maintenance
			// 4 h; observed 24 − 4 = 20 h: 18/20 = 90 %. One outage of 2 h,
			// resolved (online after the maintenance); MTBF 18 h.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 18 * h, Offline: 2 * h, Maintenance: 4 * h}, UptimePercent: 90, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 2 * h, MTTR: 2 * h, MTBF: 18 * h},
			wantOutages: []Outage{{Span: Span{at(10, 0), at(12, 0)}, Reason: "refused", Down: 2 * h, Resolved: true}},
		},
		{
			name: "maintenance wins over agent loss",
			cam:  Camera{ID: "cam-1", Agent: "agent-1", Transitions: []Transition{online48}},
			lost: []Span{{at(7, 0), at(9, 0)}},
			maint: []MaintenanceWindow{
				{Camera: "cam-1", Span: Span{at(8, 0), at(10, 0)}},
			},
			// Unknown 7-8 (1 h), maintenance 8-10 (2 h), online 21 h;
			// observed 24 − 2 − 1 = 21 h: 100 %.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 21 * h, Unknown: h, Maintenance: 2 * h}, UptimePercent: 100, Rated: true},
		},
		{
			name: "degraded is neither up nor an outage",
			cam: Camera{Transitions: []Transition{
				online48, tr(at(6, 0), 2, Degraded, "frozen"), tr(at(9, 0), 3, Online, ""),
				tr(at(20, 0), 4, Offline, "closed"), tr(at(21, 0), 5, Online, ""),
			}},
			// Online 6 + 11 + 3 = 20 h, degraded 3 h, offline 1 h:
			// 20/24 = 83.333…%; MTTR 1 h; MTBF (20 + 3) / 1 = 23 h.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 20 * h, Degraded: 3 * h, Offline: h}, UptimePercent: 83.33333333333333, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: h, MTTR: h, MTBF: 23 * h},
		},
		{
			name: "two outages: MTTR is their mean",
			cam: Camera{Transitions: []Transition{
				online48, tr(at(1, 0), 2, Offline, "closed"), tr(at(2, 0), 3, Online, ""),
				tr(at(5, 0), 4, Offline, "timeout"), tr(at(8, 0), 5, Online, ""),
			}},
			// Offline 1 h + 3 h = 4 h, online 20 h: 20/24 = 83.333…%;
			// MTTR (1 + 3) / 2 = 2 h; MTBF 20 / 2 = 10 h; longest 3 h.
			want: Figures{Totals: Totals{Monitored: 24 * h, Online: 20 * h, Offline: 4 * h}, UptimePercent: 83.33333333333333, Rated: true,
				Outages: 2, Resolved: 2, LongestOutage: 3 * h, MTTR: 2 * h, MTBF: 10 * h},
		},
		{
			name: "camera with no transitions",
			cam:  Camera{},
			// Never monitored: nothing to rate.
			want: Figures{},
		},
		{
			name: "first transition after the window",
			cam:  Camera{Transitions: []Transition{tr(at(30, 0), 1, Online, "")}},
			want: Figures{},
		},
		{
			name: "removed before the window",
			cam:  Camera{Removed: at(-1, 0), Transitions: []Transition{online48}},
			want: Figures{},
		},
		{
			name: "only unknown and maintenance: monitored but not rated",
			cam:  Camera{ID: "cam-1", Agent: "agent-1", Transitions: []Transition{online48}},
			lost: []Span{{at(-1, 0), at(12, 0)}},
			maint: []MaintenanceWindow{
				{Camera: "cam-1", Span: Span{at(12, 0), at(25, 0)}},
			},
			// Unknown 12 h, maintenance 12 h: observed 0, no verdict.
			want: Figures{Totals: Totals{Monitored: 24 * h, Unknown: 12 * h, Maintenance: 12 * h}},
		},
		{
			name: "a state this build does not know is skipped and counted",
			cam: Camera{Transitions: []Transition{
				online48, tr(at(3, 0), 2, State("flapping"), ""),
			}},
			want:    Figures{Totals: Totals{Monitored: 24 * h, Online: 24 * h}, UptimePercent: 100, Rated: true},
			skipped: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cam.ID == "" {
				tc.cam.ID = "cam-x"
			}
			hist := &History{
				Cameras:     []Camera{tc.cam},
				AgentLost:   map[string][]Span{"agent-1": tc.lost},
				Maintenance: tc.maint,
			}
			r, err := Compute(hist, Options{Window: day, GroupBy: GroupCamera, Location: ict})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Cameras) != 1 {
				t.Fatalf("%d camera reports, want 1", len(r.Cameras))
			}
			c := r.Cameras[0]
			checkFigures(t, c.Figures, tc.want)
			if r.Skipped.Transitions != tc.skipped {
				t.Errorf("skipped %d transitions, want %d", r.Skipped.Transitions, tc.skipped)
			}
			if tc.wantOutages != nil {
				if len(c.OutageList) != len(tc.wantOutages) {
					t.Fatalf("outages %+v, want %+v", c.OutageList, tc.wantOutages)
				}
				for i, o := range c.OutageList {
					w := tc.wantOutages[i]
					if !o.From.Equal(w.From) || !o.To.Equal(w.To) || o.Reason != w.Reason || o.Down != w.Down || o.Resolved != w.Resolved {
						t.Errorf("outage %d = %+v, want %+v", i, o, w)
					}
				}
			}
			// Whatever the case, the group of one camera says the same.
			checkFigures(t, r.Groups[0].Figures, tc.want)
			// And the daily series adds up to the totals.
			var sum Totals
			for _, d := range r.Groups[0].Daily {
				sum.merge(d.Totals)
			}
			if sum != tc.want.Totals {
				t.Errorf("daily series sums to %+v, want %+v", sum, tc.want.Totals)
			}
		})
	}
}

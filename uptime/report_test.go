package uptime

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// fourCameras: two in program p1, one in p2, one unlabelled that never
// reported, each over the day 2024-05-01.
func fourCameras() *History {
	online48 := tr(at(-48, 0), 1, Online, "")
	return &History{Cameras: []Camera{
		{Site: "q1", ID: "cam-b", Agent: "agent-1", Labels: event.Labels{Program: "p1", Ward: "w1"}, Transitions: []Transition{
			online48, tr(at(10, 0), 2, Offline, "refused"), tr(at(16, 0), 3, Online, ""),
		}},
		{Site: "q1", ID: "cam-a", Agent: "agent-1", Labels: event.Labels{Program: "p1", Ward: "w1"}, Transitions: []Transition{online48}},
		{Site: "q1", ID: "cam-c", Agent: "agent-2", Labels: event.Labels{Program: "p2", Ward: "w1"}, Transitions: []Transition{
			online48, tr(at(12, 0), 2, Degraded, "black"),
		}},
		{Site: "q1", ID: "cam-d", Agent: "agent-2"},
	}}
}

func TestReportGroupsAndSLA(t *testing.T) {
	r, err := Compute(fourCameras(), Options{
		Window: day, GroupBy: GroupProgram, Location: ict,
		Targets: map[string]float64{"p1": 90}, DefaultTarget: 40, Worst: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, g := range r.Groups {
		keys = append(keys, g.Key)
	}
	if want := []string{Unlabelled, "p1", "p2"}; !slices.Equal(keys, want) {
		t.Fatalf("groups %v, want %v", keys, want)
	}
	var ids []string
	for _, c := range r.Cameras {
		ids = append(ids, c.ID)
	}
	if want := []string{"cam-a", "cam-b", "cam-c", "cam-d"}; !slices.Equal(ids, want) {
		t.Errorf("cameras %v, want %v", ids, want)
	}

	cases := []struct {
		name       string
		group      GroupReport
		cameras    int
		want       Figures
		target     float64
		missed     bool
		worst      []string
		dailyDates []string
	}{
		{
			name: "p1: time-weighted over its two cameras", group: r.Groups[1], cameras: 2,
			// cam-a online 24 h; cam-b online 18 h, offline 10-16 = 6 h.
			// 42/48 = 87.5 % < 90: missed. MTTR 6 h; MTBF 42 h / 1.
			want: Figures{Totals: Totals{Monitored: 48 * h, Online: 42 * h, Offline: 6 * h}, UptimePercent: 87.5, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 6 * h, MTTR: 6 * h, MTBF: 42 * h},
			target: 90, missed: true,
			// cam-b 18/24 = 75 %; cam-a at 100 % is not "worst".
			worst: []string{"cam-b"},
		},
		{
			name: "p2: degraded half the day, default target", group: r.Groups[2], cameras: 1,
			// Online 12 h, degraded 12 h: 12/24 = 50 % >= 40: met.
			want:   Figures{Totals: Totals{Monitored: 24 * h, Online: 12 * h, Degraded: 12 * h}, UptimePercent: 50, Rated: true},
			target: 40, worst: []string{"cam-c"},
		},
		{
			name: "unlabelled camera that never reported: no data, no verdict", group: r.Groups[0], cameras: 1,
			want: Figures{}, target: 40,
		},
		{
			name: "all", group: r.All, cameras: 4,
			// Online 24 + 18 + 12 = 54 h, degraded 12 h, offline 6 h over
			// 72 h: 54/72 = 75 % >= 40 (no "all" target, so the default).
			// MTBF (54 + 12) / 1 = 66 h. Worst 1: cam-c (50 %) before
			// cam-b (75 %).
			want: Figures{Totals: Totals{Monitored: 72 * h, Online: 54 * h, Degraded: 12 * h, Offline: 6 * h}, UptimePercent: 75, Rated: true,
				Outages: 1, Resolved: 1, LongestOutage: 6 * h, MTTR: 6 * h, MTBF: 66 * h},
			target: 40, worst: []string{"cam-c"}, dailyDates: []string{"2024-05-01"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.group
			if g.Cameras != tc.cameras {
				t.Errorf("%d cameras, want %d", g.Cameras, tc.cameras)
			}
			checkFigures(t, g.Figures, tc.want)
			if g.Target != tc.target || g.Missed != tc.missed {
				t.Errorf("target %v missed %v, want %v %v", g.Target, g.Missed, tc.target, tc.missed)
			}
			var worst []string
			for _, w := range g.Worst {
				worst = append(worst, w.ID)
			}
			if !slices.Equal(worst, tc.worst) {
				t.Errorf("worst %v, want %v", worst, tc.worst)
			}
			if tc.dailyDates != nil {
				var dates []string
				for _, d := range g.Daily {
					dates = append(dates, d.Date)
				}
				if !slices.Equal(dates, tc.dailyDates) {
					t.Errorf("days %v, want %v", dates, tc.dailyDates)
				}
			}
		})
	}
	if want := []string{"p1"}; !slices.Equal(r.Missed, want) {
		t.Errorf("missed %v, want %v", r.Missed, want)
	}
}

// TestReportTwoSitesSameCameraID: q1 and q3 both have a cam-01; the
// report counts both, each with its own figures, and a maintenance window
// on q3/cam-01 does not touch q1's.
func TestReportTwoSitesSameCameraID(t *testing.T) {
	h := &History{Cameras: []Camera{
		{Site: "q3", ID: "cam-01", Agent: "edge-q3", Labels: event.Labels{Program: "p3"}, Transitions: []Transition{
			tr(at(-48, 0), 1, Online, ""), tr(at(12, 0), 2, Offline, "refused"),
		}},
		{Site: "q1", ID: "cam-01", Agent: "edge-q1", Labels: event.Labels{Program: "p1"}, Transitions: []Transition{tr(at(-48, 0), 1, Online, "")}},
	}, Maintenance: []MaintenanceWindow{{Site: "q3", Camera: "cam-01", Span: Span{at(6, 0), at(7, 0)}}}}
	r, err := Compute(h, Options{Window: day, GroupBy: GroupCamera})
	if err != nil {
		t.Fatal(err)
	}
	if r.Skipped.Cameras != 0 || len(r.Cameras) != 2 || len(r.Groups) != 2 {
		t.Fatalf("cameras %d, groups %d, skipped %+v", len(r.Cameras), len(r.Groups), r.Skipped)
	}
	q1, q3 := r.Cameras[0], r.Cameras[1]
	if q1.Ref.String() != "q1/cam-01" || q3.Ref.String() != "q3/cam-01" || q1.Site != "q1" || q3.ID != "cam-01" {
		t.Fatalf("cameras %v %v", q1.Ref, q3.Ref)
	}
	if q1.UptimePercent != 100 || q1.Maintenance != 0 {
		t.Errorf("q1/cam-01: %.2f %% up, maintenance %s", q1.UptimePercent, q1.Maintenance)
	}
	if q3.Offline != 12*time.Hour || q3.Maintenance != time.Hour {
		t.Errorf("q3/cam-01: offline %s, maintenance %s; want 12h and 1h", q3.Offline, q3.Maintenance)
	}
	if r.Groups[0].Key != "q1/cam-01" || r.Groups[1].Key != "q3/cam-01" {
		t.Errorf("groups %s %s", r.Groups[0].Key, r.Groups[1].Key)
	}
	// A window recorded without a site (before site-scoped identity)
	// applies to the id at every site.
	h.Maintenance[0].Site = ""
	r, _ = Compute(h, Options{Window: day, GroupBy: GroupCamera})
	if r.Cameras[0].Maintenance != time.Hour || r.Cameras[1].Maintenance != time.Hour {
		t.Errorf("siteless window: %s %s", r.Cameras[0].Maintenance, r.Cameras[1].Maintenance)
	}
}

func TestReportGroupings(t *testing.T) {
	cases := []struct {
		group Group
		keys  []string
	}{
		{GroupAll, []string{"all"}},
		{GroupCamera, []string{"q1/cam-a", "q1/cam-b", "q1/cam-c", "q1/cam-d"}},
		{GroupProgram, []string{Unlabelled, "p1", "p2"}},
		{GroupWard, []string{Unlabelled, "w1"}},
		{GroupVendor, []string{Unlabelled}},
		{GroupAgent, []string{"agent-1", "agent-2"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.group), func(t *testing.T) {
			r, err := Compute(fourCameras(), Options{Window: day, GroupBy: tc.group})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			var sum Totals
			for _, g := range r.Groups {
				keys = append(keys, g.Key)
				sum.merge(g.Totals)
			}
			if !slices.Equal(keys, tc.keys) {
				t.Errorf("groups %v, want %v", keys, tc.keys)
			}
			// However grouped, the groups add up to all: 72 h monitored.
			if sum != r.All.Totals || sum.Monitored != 72*h {
				t.Errorf("groups sum to %+v, all is %+v", sum, r.All.Totals)
			}
		})
	}
}

func TestReportBadInput(t *testing.T) {
	cases := []struct {
		name    string
		hist    *History
		opts    Options
		wantErr error
		skipped Skipped
		cams    int
	}{
		{name: "reversed window", hist: fourCameras(), opts: Options{Window: Span{day.To, day.From}}, wantErr: ErrWindow},
		{name: "unset window", hist: fourCameras(), opts: Options{}, wantErr: ErrWindow},
		{name: "window longer than MaxWindow", hist: fourCameras(), opts: Options{Window: Span{day.From, day.From.Add(MaxWindow + time.Second)}}, wantErr: ErrWindow},
		{name: "unknown grouping", hist: fourCameras(), opts: Options{Window: day, GroupBy: "colour"}, wantErr: ErrGroup},
		{name: "empty window", hist: fourCameras(), opts: Options{Window: Span{day.From, day.From}}, cams: 4},
		{name: "empty history", hist: &History{}, opts: Options{Window: day}},
		{
			name: "bad spans and a repeated camera are skipped and counted",
			hist: &History{
				Cameras: []Camera{
					{ID: "cam-a", Transitions: []Transition{tr(at(-1, 0), 1, Online, "")}},
					{ID: "cam-a", Transitions: []Transition{tr(at(-1, 0), 1, Offline, "closed")}},
				},
				AgentLost: map[string][]Span{"agent-1": {{at(5, 0), at(4, 0)}}},
				Maintenance: []MaintenanceWindow{
					{Span: Span{at(1, 0), at(2, 0)}},                  // names nothing
					{Camera: "cam-a", Span: Span{at(3, 0), at(3, 0)}}, // empty
				},
			},
			opts: Options{Window: day}, cams: 1,
			skipped: Skipped{Spans: 3, Cameras: 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(tc.hist, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if len(r.Cameras) != tc.cams || r.Skipped != tc.skipped {
				t.Errorf("%d cameras, skipped %+v; want %d, %+v", len(r.Cameras), r.Skipped, tc.cams, tc.skipped)
			}
			if tc.opts.Window.Empty() && (r.All.Monitored != 0 || r.All.Rated || len(r.All.Daily) != 0) {
				t.Errorf("empty window reported %+v", r.All)
			}
		})
	}
	// The repeated camera: the first entry (online) counts, not the second.
	r, _ := Compute(&History{Cameras: []Camera{
		{ID: "cam-a", Transitions: []Transition{tr(at(-1, 0), 1, Online, "")}},
		{ID: "cam-a", Transitions: []Transition{tr(at(-1, 0), 1, Offline, "closed")}},
	}}, Options{Window: day})
	if r.All.Online != 24*h {
		t.Errorf("repeated camera: online %v, want 24h from the first entry", r.All.Online)
	}
}

func TestParseGroup(t *testing.T) {
	for _, g := range Groups {
		if got, err := ParseGroup(" " + string(g) + " "); err != nil || got != g {
			t.Errorf("ParseGroup(%q) = %q, %v", g, got, err)
		}
	}
	if _, err := ParseGroup("PROGRAM"); err != nil {
		t.Errorf("ParseGroup is case-insensitive: %v", err)
	}
	if _, err := ParseGroup("site"); !errors.Is(err, ErrGroup) {
		t.Errorf("ParseGroup(site) = %v, want ErrGroup", err)
	}
}

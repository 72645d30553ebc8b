package review

import (
	"bytes"
	"html"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/uptime"
)

var hcm = func() *time.Location { l, _ := time.LoadLocation("Asia/Ho_Chi_Minh"); return l }()

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, hcm)
}

var dir = programs.New([]configs.Ward{{ID: "bn", Name: configs.Names{VI: "Phường Bến Nghé", EN: "Ben Nghe Ward"}}},
	[]configs.Program{{ID: "p1", Kind: "five_plus_one", Ward: "bn", Name: configs.Names{VI: "Mô hình 5+1 tổ 7", EN: "5+1 group 7"},
		Cameras: map[string]configs.Names{"c1": {VI: "Cổng hẻm", EN: "Alley gate"}, "c2": {VI: "Cuối hẻm", EN: "Alley end"}}}})

// handHistory is a November whose figures are computed by hand in
// TestReviewAgainstHandComputedHistory.
func handHistory() *uptime.History {
	lab := func(w string) event.Labels { return event.Labels{Program: "p1", Ward: w} }
	return &uptime.History{
		Cameras: []uptime.Camera{
			{ID: "c1", Agent: "a1", Labels: lab("bn"), Transitions: []uptime.Transition{
				{Time: at(10, 15, 0, 0), Seq: 1, State: uptime.Online},
				{Time: at(11, 10, 8, 0), Seq: 2, State: uptime.Offline, Reason: "refused"},
				{Time: at(11, 10, 12, 0), Seq: 3, State: uptime.Online},
				{Time: at(11, 20, 0, 0), Seq: 4, State: uptime.Degraded, Reason: "frozen"},
				{Time: at(11, 20, 2, 0), Seq: 5, State: uptime.Online},
			}},
			{ID: "c2", Agent: "a2", Labels: lab("bn"), Transitions: []uptime.Transition{
				{Time: at(10, 1, 0, 0), Seq: 1, State: uptime.Online},
				{Time: at(11, 25, 10, 0), Seq: 2, State: uptime.Offline, Reason: "timeout"},
				{Time: at(11, 26, 10, 0), Seq: 3, State: uptime.Online},
			}},
			// Another ward's camera: in no figure.
			{ID: "c9", Agent: "a9", Labels: event.Labels{Program: "p1", Ward: "other"}, Transitions: []uptime.Transition{
				{Time: at(10, 1, 0, 0), Seq: 1, State: uptime.Offline, Reason: "refused"}}},
		},
		AgentLost:   map[string][]uptime.Span{"a2": {{From: at(11, 15, 0, 0), To: at(11, 15, 3, 0)}}},
		Maintenance: []uptime.MaintenanceWindow{{Camera: "c2", Span: uptime.Span{From: at(11, 5, 0, 0), To: at(11, 5, 6, 0)}}},
	}
}

func handAlerts() []alerts.Transition {
	tr := func(id string, kind alerts.TransitionKind, fired, when time.Time, ack *time.Time) alerts.Transition {
		a := alerts.Alert{ID: id, Rule: "r", Labels: event.Labels{Program: "p1", Ward: "bn"}, FiredAt: fired, Severity: alerts.SeverityWarning}
		if ack != nil {
			a.Ack = &alerts.Ack{By: "op", At: *ack}
		}
		return alerts.Transition{ID: id + "/" + string(kind), Kind: kind, At: when, Alert: a}
	}
	ack1, ack2 := at(11, 10, 8, 12), at(11, 25, 10, 35)
	return []alerts.Transition{
		tr("a0", alerts.TransitionFiring, at(10, 20, 9, 0), at(10, 20, 9, 0), nil), // October: the previous period
		tr("a1", alerts.TransitionFiring, at(11, 10, 8, 2), at(11, 10, 8, 2), nil),
		tr("a1", alerts.TransitionAcknowledged, at(11, 10, 8, 2), ack1, &ack1), // 10 min
		tr("a1", alerts.TransitionResolved, at(11, 10, 8, 2), at(11, 10, 12, 0), &ack1),
		tr("a2", alerts.TransitionFiring, at(11, 25, 10, 5), at(11, 25, 10, 5), nil),
		tr("a2", alerts.TransitionAcknowledged, at(11, 25, 10, 5), ack2, &ack2),    // 30 min
		tr("a3", alerts.TransitionFiring, at(11, 26, 9, 0), at(11, 26, 9, 0), nil), // never acknowledged
	}
}

func handInput() Input {
	p, _ := ParsePeriod("2026-11", hcm)
	return Input{Ward: "bn", Period: p, History: handHistory(), Transitions: handAlerts(), Names: dir,
		Targets: map[string]float64{"p1": 99}, Location: hcm, Now: at(12, 1, 12, 0),
		Motion: []MotionStart{{"c1", at(11, 3, 7, 30), ""}, {"c1", at(11, 3, 7, 45), ""}, {"c2", at(11, 4, 19, 10), ""},
			{"c1", at(10, 30, 7, 0), ""}, {"c9", at(11, 3, 7, 0), ""}}}
}

// TestReviewAgainstHandComputedHistory: every figure of the review of a
// November worked out on paper (see handHistory): 720 h in the month.
//
//	c1: offline 4 h (refused), degraded 2 h (frozen): 714/720 = 99.1667 %
//	c2: maintenance 6 h and agent lost 3 h are not observed (711 h);
//	    offline 24 h (timeout): 687/711 = 96.6245 %
//	p1: (714+687)/(720+711) = 1401/1431 = 97.9036 %, below the 99 % target
//	October: c1 from the 15th, c2 all month, online: 100 %, no outage
//	alerts: 3 raised, 2 acknowledged after 10 and 30 min: median 20 min
//	motion: two starts at 07 h (c1), one at 19 h (c2); October's and
//	another ward's are not counted
func TestReviewAgainstHandComputedHistory(t *testing.T) {
	rv, err := Compute(handInput())
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Programs) != 1 {
		t.Fatalf("%d programs, want 1", len(rv.Programs))
	}
	p := rv.Programs[0]
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.0005 {
			t.Errorf("%s: %.4f, want %.4f", name, got, want)
		}
	}
	near("program uptime", p.UptimePercent, 100*1401.0/1431)
	if len(p.Cameras) != 2 {
		t.Fatalf("cameras %+v, want c1 and c2 (c9 is another ward's)", p.Cameras)
	}
	near("c1 uptime", p.Cameras[0].UptimePercent, 100*714.0/720)
	near("c2 uptime", p.Cameras[1].UptimePercent, 100*687.0/711)
	if p.Met || p.Target != 99 || p.Outages != 2 {
		t.Errorf("met %v target %v outages %d, want missed 99 and 2 outages", p.Met, p.Target, p.Outages)
	}
	if p.Cameras[0].Met != true || p.Cameras[1].Met != false {
		t.Errorf("camera verdicts %v %v, want c1 met, c2 missed", p.Cameras[0].Met, p.Cameras[1].Met)
	}
	want := []Cause{
		{Kind: uptime.Offline, Reason: "timeout", Spells: 1, Duration: 24 * time.Hour},
		{Kind: uptime.Maintenance, Spells: 1, Duration: 6 * time.Hour},
		{Kind: uptime.Offline, Reason: "refused", Spells: 1, Duration: 4 * time.Hour},
		{Kind: uptime.Unknown, Reason: "agent_lost", Spells: 1, Duration: 3 * time.Hour},
		{Kind: uptime.Degraded, Reason: "frozen", Spells: 1, Duration: 2 * time.Hour},
	}
	if len(p.Causes) != len(want) {
		t.Fatalf("causes %+v, want %+v", p.Causes, want)
	}
	for i := range want {
		if p.Causes[i] != want[i] {
			t.Errorf("cause %d: %+v, want %+v", i, p.Causes[i], want[i])
		}
	}
	if p.Alerts.Fired != 3 || p.Alerts.Acknowledged != 2 || p.Alerts.MedianAckS == nil || *p.Alerts.MedianAckS != 1200 {
		t.Errorf("alerts %+v (median %v), want 3 raised, 2 acknowledged, median 1200 s", p.Alerts, p.Alerts.MedianAckS)
	}
	if p.PrevAlerts == nil || p.PrevAlerts.Fired != 1 {
		t.Errorf("previous period's alerts %+v, want 1", p.PrevAlerts)
	}
	near("previous uptime", p.Prev.UptimePercent, 100)
	if p.Prev.Outages != 0 || p.Prev.Online != (17*24+31*24)*time.Hour {
		t.Errorf("previous period: %d outages, online %s; want 0 and 1152h (c1 17 days, c2 31)", p.Prev.Outages, p.Prev.Online)
	}
	var hours [24]int
	hours[7], hours[19] = 2, 1
	if p.MotionByHour != hours {
		t.Errorf("motion by hour %v, want 2 at 07 h and 1 at 19 h", p.MotionByHour)
	}
	if len(p.Worst) != 2 || p.Worst[0].ID != "c2" || p.Worst[1].ID != "c1" {
		t.Errorf("worst %+v, want c2 then c1", p.Worst)
	}
}

// TestReviewRendersBothLanguages: the printed page names things, shows
// the hand-computed figures in the language's number format, marks the
// missed target and draws 24 motion bars; no slug of a named thing.
func TestReviewRendersBothLanguages(t *testing.T) {
	rv, err := Compute(handInput())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang programs.Lang
		want []string
	}{
		{programs.VI, []string{`<html lang="vi">`, "Mô hình 5+1 tổ 7", "Phường Bến Nghé", "Tháng 11/2026", "97,90 %", "99,00 %", "Không đạt",
			"Cổng hẻm", "Mất tín hiệu: Hết thời gian chờ kết nối", "1 ngày", "20 phút", "−2,10 điểm %", `Mô hình "5+1"`, "@page { size: A4"}},
		{programs.EN, []string{`<html lang="en">`, "5+1 group 7", "Ben Nghe Ward", "November 2026", "97.90 %", "Missed", "Alley end",
			"Offline: Connection timed out", "Planned maintenance", "Edge agent lost", "Picture problem: Picture frozen", "20 min", "−2.10 pp"}},
	} {
		var b bytes.Buffer
		if err := Render(&b, rv, dir, tc.lang); err != nil {
			t.Fatal(err)
		}
		doc := html.UnescapeString(b.String())
		for _, w := range tc.want {
			if !strings.Contains(doc, w) {
				t.Errorf("%s: the report lacks %q", tc.lang, w)
			}
		}
		if n := strings.Count(doc, `<rect class="bar"`); n != 24 {
			t.Errorf("%s: %d motion bars, want 24", tc.lang, n)
		}
		text := stripTags(doc)
		for _, slug := range []string{"p1", "bn", "c1", "c2", "five_plus_one"} {
			if containsWord(text, slug) {
				t.Errorf("%s: slug %q visible in the report", tc.lang, slug)
			}
		}
	}
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func containsWord(s, w string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == ',' || r == ':' || r == '(' || r == ')' }) {
		if f == w {
			return true
		}
	}
	return false
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct{ in, from, to, prev string }{
		{"2026-11", "2026-11-01", "2026-12-01", "2026-10"},
		{"2026-01", "2026-01-01", "2026-02-01", "2025-12"},
		{"2026-Q4", "2026-10-01", "2027-01-01", "2026-Q3"},
		{"2026-q1", "2026-01-01", "2026-04-01", "2025-Q4"},
	} {
		p, err := ParsePeriod(tc.in, hcm)
		if err != nil {
			t.Fatal(err)
		}
		if p.From.Format("2006-01-02") != tc.from || p.To.Format("2006-01-02") != tc.to || p.Previous().Label != tc.prev {
			t.Errorf("%s: %s..%s prev %s", tc.in, p.From, p.To, p.Previous().Label)
		}
		if p.From.Location() != hcm || p.From.Hour() != 0 {
			t.Errorf("%s: does not start at local midnight: %s", tc.in, p.From)
		}
	}
	for _, bad := range []string{"2026-13", "2026-00", "2026-Q5", "11/2026", "", "2026-11-01"} {
		if _, err := ParsePeriod(bad, hcm); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestReviewTwoSitesSameCameraID: another ward's site q3 also has a
// "c1" (and it is offline all month). The review of ward bn counts q1's
// c1 alone: its uptime, its causes, its motion; q3's c1 motion at 05 h
// is not bn's.
func TestReviewTwoSitesSameCameraID(t *testing.T) {
	in := handInput()
	for i := range in.History.Cameras {
		in.History.Cameras[i].Site = "q1"
	}
	in.History.Maintenance[0].Site = "q1"
	in.History.Cameras = append(in.History.Cameras, uptime.Camera{Site: "q3", ID: "c1", Agent: "a3",
		Labels: event.Labels{Program: "p3", Ward: "other"}, Transitions: []uptime.Transition{
			{Time: at(10, 1, 0, 0), Seq: 1, State: uptime.Offline, Reason: "timeout"}}})
	for i := range in.Motion {
		in.Motion[i].Site = "q1"
	}
	in.Motion = append(in.Motion, MotionStart{Camera: "c1", At: at(11, 3, 5, 0), Site: "q3"})
	rv, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Programs) != 1 || len(rv.Programs[0].Cameras) != 2 {
		t.Fatalf("programs %+v", rv.Programs)
	}
	p := rv.Programs[0]
	if c := p.Cameras[0]; c.Site != "q1" || c.ID != "c1" || math.Abs(c.UptimePercent-100*714.0/720) > 0.0005 {
		t.Errorf("bn's c1: %+v", c)
	}
	var hours [24]int
	hours[7], hours[19] = 2, 1
	if p.MotionByHour != hours {
		t.Errorf("motion by hour %v, want 2 at 07 h and 1 at 19 h (q3's c1 at 05 h is another ward's)", p.MotionByHour)
	}
	for _, c := range p.Causes {
		if c.Reason == "timeout" && c.Duration != 24*time.Hour {
			t.Errorf("timeout %s: q3's c1 leaked into bn's causes", c.Duration)
		}
	}
}

// TestReviewSaysWhenHistoryIsGenerated: a review over generated history
// (the demo's month) says so on its cover and on every program page, in
// both languages; one over measured history says nothing of it.
func TestReviewSaysWhenHistoryIsGenerated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		until time.Time
		want  bool
	}{
		{"generated inside the period", handInput().Period.From.Add(24 * time.Hour), true},
		{"generated before the previous period only", handInput().Period.Previous().From.Add(-time.Hour), false},
		{"nothing generated", time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := handInput()
			in.SyntheticUntil = tc.until
			rv, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			for lang, note := range map[programs.Lang]string{programs.VI: "dữ liệu tạo ra", programs.EN: "was generated (a demo)"} {
				var b bytes.Buffer
				if err := Render(&b, rv, dir, lang); err != nil {
					t.Fatal(err)
				}
				n, pages := strings.Count(html.UnescapeString(b.String()), note), 1+len(rv.Programs)
				if tc.want && n != pages || !tc.want && n != 0 {
					t.Errorf("%s: the note %d times, want %v on %d pages", lang, n, tc.want, pages)
				}
			}
		})
	}
}

// TestReviewNoRepairTime: a program without a repaired outage shows no
// mean time to repair ("—", as the console does), not "0".
func TestReviewNoRepairTime(t *testing.T) {
	rv, err := Compute(handInput())
	if err != nil {
		t.Fatal(err)
	}
	p := &rv.Programs[0]
	p.Outages, p.Resolved, p.MTTR = 0, 0, 0
	var b bytes.Buffer
	if err := Render(&b, rv, dir, programs.EN); err != nil {
		t.Fatal(err)
	}
	if doc := html.UnescapeString(b.String()); !strings.Contains(doc, "Mean time to repair</dt><dd>—</dd>") {
		t.Errorf("no repaired outage: the report lacks MTTR —:\n%s", doc[:min(len(doc), 3000)])
	}
}

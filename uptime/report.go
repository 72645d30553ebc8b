package uptime

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/camwatch/camwatch/event"
)

// DefaultTimeZone is where camwatch's first cameras are: Ho Chi Minh City,
// UTC+7 all year.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// MaxWindow bounds a report window, so a mistyped year cannot make a daily
// series of a million days; it is longer than Redis keeps transitions.
const MaxWindow = 400 * 24 * time.Hour

// DefaultWorst is how many worst cameras a group lists when Options.Worst is
// zero.
const DefaultWorst = 10

// ErrWindow is returned for a window that is unset, reversed or too long.
var ErrWindow = errors.New("bad report window")

// Options choose the window, grouping, time zone, SLA targets and list
// length of a report.
type Options struct {
	// Window is [From, To); From == To gives an empty report.
	Window Span
	// Now is the report's clock (zero: time.Now()). Nothing after it has
	// happened, so the window is measured only up to it: a report asked
	// for a window that ends in the future counts none of that time, in
	// any figure (Report.MeasuredTo says where it stopped).
	Now time.Time
	// GroupBy defaults to GroupAll.
	GroupBy Group
	// Location cuts the days of the daily series; nil means DefaultTimeZone.
	Location *time.Location
	// Targets maps a group key (a program name, say) to its SLA target in
	// uptime percent; groups not listed get DefaultTarget, and 0 means no
	// target.
	Targets       map[string]float64
	DefaultTarget float64
	// Worst is how many worst cameras each group lists: 0 means
	// DefaultWorst, negative means none.
	Worst int
}

// Report is the availability report for one window.
type Report struct {
	// Window is the window as asked for; MeasuredTo is where the figures
	// stop: Window.To, or the report's now when that was earlier (never
	// before Window.From).
	Window     Span      `json:"window"`
	MeasuredTo time.Time `json:"measured_to"`
	GroupBy    Group     `json:"group_by"`
	TimeZone   string    `json:"time_zone"`
	// All sums every camera; it is judged against the target of key "all".
	All GroupReport `json:"all"`
	// Groups are sorted by key.
	Groups []GroupReport `json:"groups"`
	// Cameras are sorted by id.
	Cameras []CameraReport `json:"cameras"`
	// Missed lists the keys of groups that missed their SLA target.
	Missed  []string `json:"missed"`
	Skipped Skipped  `json:"skipped"`
}

// Skipped counts input the report could not use, so the caller can count
// it in a metric and log it once; nothing is dropped silently.
type Skipped struct {
	// Transitions in a state this build does not know.
	Transitions int `json:"transitions"`
	// Spans (agent loss or maintenance) that are empty or reversed, or
	// maintenance windows naming neither camera nor program.
	Spans int `json:"spans"`
	// Cameras listed again under an id already seen; the first one counts.
	Cameras int `json:"cameras"`
}

// CameraReport holds one camera's figures and outages.
type CameraReport struct {
	// Ref is the camera's identity ("<site>/<camera>"), Site and ID its
	// parts: two sites may both have a cam-01.
	Ref    event.CameraRef `json:"ref"`
	Site   string          `json:"site"`
	ID     string          `json:"id"`
	Agent  string          `json:"agent"`
	Labels event.Labels    `json:"labels"`
	Group  string          `json:"group"`
	Figures
	OutageList []Outage `json:"outage_list"`
}

// GroupReport holds a group's summed figures, its worst cameras, its daily
// series and its SLA verdict.
type GroupReport struct {
	Key     string `json:"key"`
	Cameras int    `json:"cameras"`
	Figures
	// Target is the SLA target in percent; 0 when the group has none.
	Target float64 `json:"target"`
	// Missed is true when the group was rated and its uptime fell below
	// Target. A group with no observed time misses nothing: no data is not
	// a verdict.
	Missed bool     `json:"missed"`
	Worst  []Ranked `json:"worst"`
	Daily  []Day    `json:"daily"`
}

// Ranked names one of a group's worst cameras: rated cameras below 100 %,
// lowest uptime first, then most offline time, then id.
type Ranked struct {
	Ref           event.CameraRef `json:"ref"`
	Site          string          `json:"site"`
	ID            string          `json:"id"`
	UptimePercent float64         `json:"uptime_percent"`
	Offline       time.Duration   `json:"offline"`
}

// Compute builds the report of h for the options. It fails only on bad
// options; bad history is skipped and counted in Report.Skipped.
func Compute(h *History, o Options) (*Report, error) {
	w := o.Window
	if w.From.IsZero() || w.To.IsZero() || w.To.Before(w.From) || w.To.Sub(w.From) > MaxWindow {
		return nil, fmt.Errorf("%w: from %s to %s", ErrWindow, w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	g := o.GroupBy
	if g == "" {
		g = GroupAll
	}
	if _, err := ParseGroup(string(g)); err != nil {
		return nil, err
	}
	loc := o.Location
	if loc == nil {
		loc = defaultLocation()
	}
	worst := o.Worst
	if worst == 0 {
		worst = DefaultWorst
	}

	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	measured := Span{w.From, maxTime(w.From, minTime(w.To, now))}
	r := &Report{Window: w, MeasuredTo: measured.To, GroupBy: g, TimeZone: loc.String()}
	lost, camMaint, progMaint := r.prepare(h)
	bounds := dayBounds(measured, loc)

	r.All = GroupReport{Key: string(GroupAll), Daily: newDays(bounds, loc)}
	groups := map[string]*GroupReport{}
	members := map[string][]int{}
	seen := make(map[string]bool, len(h.Cameras))
	r.Cameras = make([]CameraReport, 0, len(h.Cameras))

	var buf timelineBuf
	var maint []Span
	var outs []Outage
	for i := range h.Cameras {
		c := &h.Cameras[i]
		ref := c.Ref()
		key := ref.String()
		if seen[key] {
			r.Skipped.Cameras++
			continue
		}
		seen[key] = true
		maint = mergeSpans(maint[:0], camMaint[key], progMaint[c.Labels.Program])
		if everywhere := camMaint["/"+c.ID]; len(everywhere) > 0 {
			maint = mergeSpans(nil, maint, everywhere)
		}
		ivs, skipped := buf.build(c, measured, lost[c.Agent], maint)
		r.Skipped.Transitions += skipped

		cr := CameraReport{Ref: ref, Site: c.Site, ID: c.ID, Agent: c.Agent, Labels: c.Labels, Group: g.Key(c)}
		for _, iv := range ivs {
			cr.add(iv.State, iv.Duration())
		}
		outs = outages(outs[:0], ivs)
		if len(outs) > 0 {
			cr.OutageList = slices.Clone(outs)
		}
		cr.addOutages(outs)
		cr.finish()

		gr := groups[cr.Group]
		if gr == nil {
			gr = &GroupReport{Key: cr.Group, Daily: newDays(bounds, loc)}
			groups[cr.Group] = gr
		}
		gr.Cameras++
		gr.merge(&cr.Figures)
		splitDays(gr.Daily, ivs)
		r.All.Cameras++
		r.All.merge(&cr.Figures)
		splitDays(r.All.Daily, ivs)
		r.Cameras = append(r.Cameras, cr)
	}
	slices.SortFunc(r.Cameras, func(a, b CameraReport) int { return a.Ref.Compare(b.Ref) })
	for i := range r.Cameras {
		members[r.Cameras[i].Group] = append(members[r.Cameras[i].Group], i)
	}

	all := make([]int, len(r.Cameras))
	for i := range all {
		all[i] = i
	}
	r.finishGroup(&r.All, all, o, worst)
	r.Groups = make([]GroupReport, 0, len(groups))
	for _, gr := range groups {
		r.finishGroup(gr, members[gr.Key], o, worst)
		r.Groups = append(r.Groups, *gr)
	}
	slices.SortFunc(r.Groups, func(a, b GroupReport) int { return cmp.Compare(a.Key, b.Key) })
	for _, gr := range r.Groups {
		if gr.Missed {
			r.Missed = append(r.Missed, gr.Key)
		}
	}
	return r, nil
}

// prepare normalises agent loss and maintenance once for all cameras.
func (r *Report) prepare(h *History) (lost, camMaint, progMaint map[string][]Span) {
	lost = make(map[string][]Span, len(h.AgentLost))
	for agent, spans := range h.AgentLost {
		n, dropped := normalize(spans)
		r.Skipped.Spans += dropped
		lost[agent] = n
	}
	camMaint, progMaint = map[string][]Span{}, map[string][]Span{}
	for _, m := range h.Maintenance {
		switch {
		case m.Camera != "":
			// "<site>/<camera>"; "/<camera>" for a window without a site.
			k := m.Site + "/" + m.Camera
			camMaint[k] = append(camMaint[k], m.Span)
		case m.Program != "":
			progMaint[m.Program] = append(progMaint[m.Program], m.Span)
		default:
			r.Skipped.Spans++
		}
	}
	for _, m := range []map[string][]Span{camMaint, progMaint} {
		for k, spans := range m {
			n, dropped := normalize(spans)
			r.Skipped.Spans += dropped
			m[k] = n
		}
	}
	return lost, camMaint, progMaint
}

// mergeSpans appends the union of two normalised span lists to dst.
func mergeSpans(dst, a, b []Span) []Span {
	if len(b) == 0 {
		return append(dst, a...)
	}
	if len(a) == 0 {
		return append(dst, b...)
	}
	dst = append(append(dst, a...), b...)
	n, _ := normalize(dst)
	return n
}

// finishGroup computes ratios, the daily series, the worst cameras and the
// SLA verdict of one group; idx are its cameras' indices in r.Cameras.
func (r *Report) finishGroup(gr *GroupReport, idx []int, o Options, worst int) {
	gr.finish()
	finishDays(gr.Daily)
	gr.Target = o.DefaultTarget
	if t, ok := o.Targets[gr.Key]; ok {
		gr.Target = t
	}
	gr.Missed = gr.Target > 0 && gr.Rated && gr.UptimePercent < gr.Target
	if worst < 0 {
		return
	}
	var cand []Ranked
	for _, i := range idx {
		c := &r.Cameras[i]
		if c.Rated && c.UptimePercent < 100 {
			cand = append(cand, Ranked{Ref: c.Ref, Site: c.Site, ID: c.ID, UptimePercent: c.UptimePercent, Offline: c.Offline})
		}
	}
	slices.SortFunc(cand, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(a.UptimePercent, b.UptimePercent), cmp.Compare(b.Offline, a.Offline), a.Ref.Compare(b.Ref))
	})
	if len(cand) > worst {
		cand = cand[:worst]
	}
	gr.Worst = cand
}

// defaultLocation loads DefaultTimeZone, falling back to a fixed UTC+7 (the
// same thing: Vietnam has no DST) where the system has no zone database.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimeZone); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*60*60)
}

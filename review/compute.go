package review

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/uptime"
)

// MotionStart is one motion.start of a camera.
type MotionStart struct {
	Camera string
	At     time.Time
	// Site is the camera's: ids are unique per site only.
	Site string
}

// Input is everything a review is computed from.
type Input struct {
	Ward   string
	Period Period
	// History holds the status history of both the period and the one
	// before it (the trend).
	History *uptime.History
	// Transitions are the alert transitions from the previous period's
	// start to the period's end.
	Transitions []alerts.Transition
	// Motion are the motion starts of the period; MotionFrom is where
	// that record begins (the events stream's retention), zero when it
	// covers the whole period; NoMotion when none could be read.
	Motion     []MotionStart
	MotionFrom time.Time
	NoMotion   bool
	Names      *programs.Directory
	// Targets by program, and DefaultTarget for the others (0: none).
	Targets       map[string]float64
	DefaultTarget float64
	Location      *time.Location
	// Now stops every figure (a period not over yet is measured to now).
	Now time.Time
	// SyntheticUntil is when the newest generated (not measured) part of
	// the history began (the demo's month); zero when none is. A review
	// whose period (or the previous one, for the trend) starts before it
	// says so on every page.
	SyntheticUntil time.Time
}

// Review is the computed report.
type Review struct {
	Ward     string
	Period   Period
	Previous Period
	// MeasuredTo is where figures stop: the period's end, or now.
	MeasuredTo time.Time
	Programs   []Program
	MotionFrom time.Time
	NoMotion   bool
	Location   *time.Location
	Generated  time.Time
	// Synthetic: part of the history reviewed was generated, not measured.
	Synthetic bool
}

// Program is one page of the review.
type Program struct {
	ID      string
	Kind    string
	Target  float64
	Cameras []Camera
	uptime.Figures
	Met bool
	// Causes are the outages and degraded spells by cause, most time first.
	Causes []Cause
	Alerts *uptime.AlertsHandled
	// MotionByHour counts motion starts by local hour of day.
	MotionByHour [24]int
	// Worst are up to five rated cameras below 100 %, lowest first.
	Worst []Camera
	// Prev is the same program in the previous period; PrevAlerts its
	// alerts.
	Prev       uptime.Figures
	PrevAlerts *uptime.AlertsHandled
}

// Camera is one camera's line.
type Camera struct {
	// Site and ID identify the camera (ids are unique per site only).
	Site string
	ID   string
	uptime.Figures
	Met bool
}

// Cause groups the time of one kind and reason: offline by reason,
// degraded by reason, agent lost (unknown), maintenance.
type Cause struct {
	Kind   uptime.State
	Reason string
	// Spells counts separate runs (an outage, a degraded spell, one
	// agent loss seen on each of its cameras).
	Spells   int
	Duration time.Duration
}

// Compute builds the review of in.Ward for in.Period.
func Compute(in Input) (*Review, error) {
	if in.History == nil {
		in.History = &uptime.History{}
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	prev := in.Period.Previous()
	rv := &Review{Ward: in.Ward, Period: in.Period, Previous: prev, MotionFrom: in.MotionFrom, NoMotion: in.NoMotion,
		Location: loc, Generated: in.Now, Synthetic: !in.SyntheticUntil.IsZero() && prev.From.Before(in.SyntheticUntil)}
	// Only the ward's cameras.
	ward := &uptime.History{AgentLost: in.History.AgentLost, Maintenance: in.History.Maintenance}
	for _, c := range in.History.Cameras {
		if c.Labels.Ward == in.Ward {
			ward.Cameras = append(ward.Cameras, c)
		}
	}
	opts := func(p Period) uptime.Options {
		return uptime.Options{Window: uptime.Span{From: p.From, To: p.To}, Now: in.Now, GroupBy: uptime.GroupProgram,
			Location: loc, Targets: in.Targets, DefaultTarget: in.DefaultTarget, Worst: -1}
	}
	cur, err := uptime.Compute(ward, opts(in.Period))
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	rv.MeasuredTo = cur.MeasuredTo
	var before *uptime.Report
	if !prev.From.After(in.Now) {
		if before, err = uptime.Compute(ward, opts(prev)); err != nil {
			return nil, fmt.Errorf("review: %w", err)
		}
	}
	window := uptime.Span{From: in.Period.From, To: in.Period.To}
	if cur.MeasuredTo.Before(window.To) {
		window.To = cur.MeasuredTo
	}
	camProg := map[string]string{}
	for gi := range cur.Groups {
		g := &cur.Groups[gi]
		p := Program{ID: g.Key, Target: g.Target, Figures: g.Figures, Met: g.Target == 0 || !g.Missed}
		if dp, ok := in.Names.Program(g.Key); ok {
			p.Kind = dp.Kind
		}
		causes := map[[2]string]*Cause{}
		for ci := range cur.Cameras {
			cr := &cur.Cameras[ci]
			if cr.Group != g.Key {
				continue
			}
			camProg[cr.Ref.String()] = g.Key
			c := Camera{Site: cr.Site, ID: cr.ID, Figures: cr.Figures, Met: g.Target == 0 || !cr.Rated || cr.UptimePercent >= g.Target}
			p.Cameras = append(p.Cameras, c)
			addCauses(causes, ward, cr.Ref, window)
		}
		for _, c := range causes {
			p.Causes = append(p.Causes, *c)
		}
		slices.SortFunc(p.Causes, func(a, b Cause) int {
			return cmp.Or(cmp.Compare(b.Duration, a.Duration), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reason, b.Reason))
		})
		slices.SortFunc(p.Cameras, func(a, b Camera) int { return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Site, b.Site)) })
		for _, c := range p.Cameras {
			if c.Rated && c.UptimePercent < 100 {
				p.Worst = append(p.Worst, c)
			}
		}
		slices.SortStableFunc(p.Worst, func(a, b Camera) int {
			return cmp.Or(cmp.Compare(a.UptimePercent, b.UptimePercent), cmp.Compare(b.Offline, a.Offline), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Site, b.Site))
		})
		if len(p.Worst) > 5 {
			p.Worst = p.Worst[:5]
		}
		p.Alerts = uptime.CountAlerts(in.Transitions, g.Key, uptime.Span{From: in.Period.From, To: in.Period.To})
		if before != nil {
			for _, bg := range before.Groups {
				if bg.Key == g.Key {
					p.Prev = bg.Figures
				}
			}
			p.PrevAlerts = uptime.CountAlerts(in.Transitions, g.Key, uptime.Span{From: prev.From, To: prev.To})
		}
		rv.Programs = append(rv.Programs, p)
	}
	idx := map[string]int{}
	for i, p := range rv.Programs {
		idx[p.ID] = i
	}
	for _, m := range in.Motion {
		i, ok := idx[camProg[event.CameraRef{Site: m.Site, Camera: m.Camera}.String()]]
		if !ok || m.At.Before(in.Period.From) || !m.At.Before(in.Period.To) {
			continue
		}
		rv.Programs[i].MotionByHour[m.At.In(loc).Hour()]++
	}
	// Programs in the order the config lists them, the others after.
	order := map[string]int{}
	for i, p := range in.Names.Programs() {
		order[p.ID] = i
	}
	slices.SortStableFunc(rv.Programs, func(a, b Program) int {
		ia, oka := order[a.ID]
		ib, okb := order[b.ID]
		switch {
		case oka && okb:
			return cmp.Compare(ia, ib)
		case oka:
			return -1
		case okb:
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return rv, nil
}

// addCauses adds camera id's offline, degraded, unknown and maintenance
// intervals in w to causes, by state and reason.
func addCauses(causes map[[2]string]*Cause, h *uptime.History, ref event.CameraRef, w uptime.Span) {
	i := slices.IndexFunc(h.Cameras, func(c uptime.Camera) bool { return c.Ref() == ref })
	if i < 0 {
		return
	}
	ivs, _ := h.Timeline(&h.Cameras[i], w)
	var last *Cause
	for _, iv := range ivs {
		if iv.State == uptime.Online {
			last = nil
			continue
		}
		reason := iv.Reason
		if iv.State == uptime.Unknown {
			reason = "agent_lost"
		}
		if iv.State == uptime.Maintenance {
			reason = ""
		}
		k := [2]string{string(iv.State), reason}
		c := causes[k]
		if c == nil {
			c = &Cause{Kind: iv.State, Reason: reason}
			causes[k] = c
		}
		// Neighbouring intervals of one cause are one spell.
		if c != last {
			c.Spells++
		}
		c.Duration += iv.Duration()
		last = c
	}
}

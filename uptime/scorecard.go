package uptime

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/camwatch/camwatch/alerts"
)

// ErrNoProgram is returned for a scorecard of a program that has no camera
// in the window: an empty card would read as a perfect one.
var ErrNoProgram = errors.New("program has no cameras in the window")

// Scorecard is the ward's periodic review of one community program: how
// available its cameras were and, when alerts run, how the alerts about
// them were handled. It is a Summary group plus the alert figures.
type Scorecard struct {
	Program string    `json:"program"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// MeasuredTo is where the figures stop: To, or now when To is later.
	MeasuredTo time.Time `json:"measured_to"`
	TimeZone   string    `json:"time_zone"`
	GroupSummary
	// AlertsEnabled is false when the aggregator runs no alerts; Alerts is
	// then absent, not zero, since nobody counted.
	AlertsEnabled bool           `json:"alerts_enabled"`
	Alerts        *AlertsHandled `json:"alerts,omitempty"`
	// Generated is set (by the API) when part of the window's history was
	// generated, not measured: the demo's seeded month.
	Generated bool `json:"generated,omitempty"`
}

// AlertsHandled counts the alerts of a program that fired in a window and
// what became of them by the window's end.
type AlertsHandled struct {
	Fired      int            `json:"fired"`
	ByRule     map[string]int `json:"by_rule"`
	BySeverity map[string]int `json:"by_severity"`
	// Acknowledged were taken on by someone before the window ended.
	Acknowledged int `json:"acknowledged"`
	// ResolvedAutomatically cleared by themselves (condition or rule gone);
	// ResolvedByHand were closed by a person; Open were neither by the end.
	ResolvedAutomatically int `json:"resolved_automatically"`
	ResolvedByHand        int `json:"resolved_by_hand"`
	Open                  int `json:"open"`
	// MedianAckS is the median time from firing to acknowledgement over the
	// acknowledged alerts, in seconds; absent when none was acknowledged.
	MedianAckS *float64 `json:"median_ack_s,omitempty"`
}

// NewScorecard picks program's line out of a report grouped by program;
// handled is nil when alerts are off.
func NewScorecard(r *Report, program string, handled *AlertsHandled, alertsOn bool) (*Scorecard, error) {
	if r.GroupBy != GroupProgram {
		return nil, fmt.Errorf("%w: a scorecard needs a report by program, not by %s", ErrWindow, r.GroupBy)
	}
	i := slices.IndexFunc(r.Groups, func(g GroupReport) bool { return g.Key == program })
	if i < 0 {
		return nil, fmt.Errorf("%q: %w", program, ErrNoProgram)
	}
	sc := &Scorecard{Program: program, From: r.Window.From, To: r.Window.To, MeasuredTo: r.MeasuredTo, TimeZone: r.TimeZone,
		GroupSummary: groupSummary(&r.Groups[i]), AlertsEnabled: alertsOn}
	if alertsOn {
		sc.Alerts = handled
		if sc.Alerts == nil {
			sc.Alerts = CountAlerts(nil, program, Span{r.Window.From, r.MeasuredTo})
		}
	}
	return sc, nil
}

// CountAlerts folds the alert history (transitions in any order, as
// alerts.Store.History returns them) into the figures of the alerts of
// program that fired within w. Steps after w.To are not counted.
func CountAlerts(trs []alerts.Transition, program string, w Span) *AlertsHandled {
	h := &AlertsHandled{ByRule: map[string]int{}, BySeverity: map[string]int{}}
	type occurrence struct {
		fired        time.Time
		acked        time.Time
		resolvedBy   string
		isResolved   bool
		hasFiring    bool
		rule, sevrty string
	}
	occ := map[string]*occurrence{}
	for i := range trs {
		tr := &trs[i]
		a := &tr.Alert
		if a.Labels.Program != program || tr.At.Before(w.From) || !tr.At.Before(w.To) {
			continue
		}
		o := occ[a.ID]
		if o == nil {
			o = &occurrence{}
			occ[a.ID] = o
		}
		switch tr.Kind {
		case alerts.TransitionFiring:
			o.hasFiring, o.fired, o.rule, o.sevrty = true, a.FiredAt, a.Rule, string(a.Severity)
			if o.fired.IsZero() {
				o.fired = tr.At
			}
		case alerts.TransitionAcknowledged:
			if a.Ack != nil {
				o.acked = a.Ack.At
			} else {
				o.acked = tr.At
			}
		case alerts.TransitionResolved:
			o.isResolved, o.resolvedBy = true, a.ResolvedBy
			if a.Ack != nil && o.acked.IsZero() {
				o.acked = a.Ack.At
			}
		}
	}
	var acks []time.Duration
	for _, o := range occ {
		if !o.hasFiring {
			continue // fired before the window: not this window's alert
		}
		h.Fired++
		h.ByRule[o.rule]++
		h.BySeverity[o.sevrty]++
		if !o.acked.IsZero() {
			h.Acknowledged++
			acks = append(acks, max(0, o.acked.Sub(o.fired)))
		}
		switch {
		case !o.isResolved:
			h.Open++
		case o.resolvedBy == "condition" || o.resolvedBy == "rule":
			h.ResolvedAutomatically++
		default:
			h.ResolvedByHand++
		}
	}
	if len(acks) > 0 {
		slices.Sort(acks)
		m := acks[len(acks)/2]
		if len(acks)%2 == 0 {
			m = (acks[len(acks)/2-1] + m) / 2
		}
		s := m.Seconds()
		h.MedianAckS = &s
	}
	return h
}

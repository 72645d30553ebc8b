package uptime

import (
	"errors"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
)

func TestCountAlerts(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	w := Span{From: t0, To: t0.Add(24 * time.Hour)}
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	tr := func(id, program, rule string, sev alerts.Severity, kind alerts.TransitionKind, h float64, mod func(*alerts.Alert)) alerts.Transition {
		a := alerts.Alert{ID: id, Rule: rule, Severity: sev, Labels: event.Labels{Program: program}}
		if mod != nil {
			mod(&a)
		}
		return alerts.Transition{ID: id + "/" + string(kind), Kind: kind, At: at(h), Alert: a}
	}
	fired := func(h float64) func(*alerts.Alert) { return func(a *alerts.Alert) { a.FiredAt = at(h) } }
	acked := func(fh, ah float64) func(*alerts.Alert) {
		return func(a *alerts.Alert) { a.FiredAt, a.Ack = at(fh), &alerts.Ack{By: "lan", At: at(ah)} }
	}
	resolved := func(by string) func(*alerts.Alert) { return func(a *alerts.Alert) { a.ResolvedBy = by } }
	history := []alerts.Transition{
		// a: fired 1h, acked 1.5h (30 min), resolved by the condition.
		tr("a", "p", "offline", alerts.SeverityCritical, alerts.TransitionFiring, 1, fired(1)),
		tr("a", "p", "offline", alerts.SeverityCritical, alerts.TransitionAcknowledged, 1.5, acked(1, 1.5)),
		tr("a", "p", "offline", alerts.SeverityCritical, alerts.TransitionResolved, 3, resolved("condition")),
		// b: fired 2h, acked 4h (2 h), resolved by hand.
		tr("b", "p", "offline", alerts.SeverityCritical, alerts.TransitionFiring, 2, fired(2)),
		tr("b", "p", "offline", alerts.SeverityCritical, alerts.TransitionAcknowledged, 4, acked(2, 4)),
		tr("b", "p", "offline", alerts.SeverityCritical, alerts.TransitionResolved, 5, resolved("lan")),
		// c: fired 10h, never acked, still open; its ack after the window is not counted.
		tr("c", "p", "low-fps", alerts.SeverityWarning, alerts.TransitionFiring, 10, fired(10)),
		tr("c", "p", "low-fps", alerts.SeverityWarning, alerts.TransitionAcknowledged, 25, acked(10, 25)),
		// d: fired before the window, resolved inside it: not this window's alert.
		tr("d", "p", "offline", alerts.SeverityCritical, alerts.TransitionResolved, 1, resolved("condition")),
		// e: another program.
		tr("e", "q", "offline", alerts.SeverityCritical, alerts.TransitionFiring, 1, fired(1)),
	}
	for _, tc := range []struct {
		name                   string
		trs                    []alerts.Transition
		fired, ack, auto, hand int
		open                   int
		medianS                float64 // -1: absent
	}{
		{"two acked, median of 30 min and 2 h", history, 3, 2, 1, 1, 1, 4500},
		{"one acked", history[:3], 1, 1, 1, 0, 0, 1800},
		{"none acked", history[6:7], 1, 0, 0, 0, 1, -1},
		{"nothing", nil, 0, 0, 0, 0, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := CountAlerts(tc.trs, "p", w)
			if h.Fired != tc.fired || h.Acknowledged != tc.ack || h.ResolvedAutomatically != tc.auto ||
				h.ResolvedByHand != tc.hand || h.Open != tc.open {
				t.Errorf("got %+v, want fired %d acked %d auto %d hand %d open %d", h, tc.fired, tc.ack, tc.auto, tc.hand, tc.open)
			}
			switch {
			case tc.medianS < 0 && h.MedianAckS != nil:
				t.Errorf("median %v, want absent", *h.MedianAckS)
			case tc.medianS >= 0 && (h.MedianAckS == nil || *h.MedianAckS != tc.medianS):
				t.Errorf("median %v, want %v", h.MedianAckS, tc.medianS)
			}
		})
	}
	h := CountAlerts(history, "p", w)
	if h.ByRule["offline"] != 2 || h.ByRule["low-fps"] != 1 || h.BySeverity["critical"] != 2 || h.BySeverity["warning"] != 1 {
		t.Errorf("by rule %v, by severity %v", h.ByRule, h.BySeverity)
	}
}

func TestNewScorecard(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	w := Span{From: t0, To: t0.Add(24 * time.Hour)}
	h := &History{Cameras: []Camera{
		{ID: "c1", Labels: event.Labels{Program: "p"}, Transitions: []Transition{
			{Time: t0.Add(-time.Hour), Seq: 1, State: Online},
			{Time: t0.Add(6 * time.Hour), Seq: 2, State: Offline},
			{Time: t0.Add(12 * time.Hour), Seq: 3, State: Online},
		}},
	}}
	r, err := Compute(h, Options{Window: w, GroupBy: GroupProgram, Location: time.UTC, Targets: map[string]float64{"p": 99}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		program    string
		alertsOn   bool
		wantErr    error
		wantAlerts bool
	}{
		{"alerts off leaves the alert part absent", "p", false, nil, false},
		{"alerts on without history counts zero", "p", true, nil, true},
		{"unknown program", "nope", true, ErrNoProgram, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := NewScorecard(r, tc.program, nil, tc.alertsOn)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			// 12 h online + 6 h offline... 18 of 24 h online = 75 %.
			if sc.UptimePercent != 75 || !sc.Missed || sc.Target != 99 || sc.Outages != 1 || sc.LongestOutageS != 6*3600 {
				t.Errorf("figures %+v", sc.GroupSummary)
			}
			if (sc.Alerts != nil) != tc.wantAlerts || sc.AlertsEnabled != tc.alertsOn {
				t.Errorf("alerts %+v enabled %v", sc.Alerts, sc.AlertsEnabled)
			}
		})
	}
}

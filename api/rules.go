package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/auth"
)

// RulesSource is what the rules page reads: the rules this replica
// evaluates, the file they came from, and which programs are disarmed.
// *alerts.Runner implements it.
type RulesSource interface {
	RulesInForce() (path string, rules *alerts.Rules)
	Disarmed(ctx context.Context) ([]string, error)
}

// ruleView is one rule as the console shows it, durations in seconds.
type ruleView struct {
	ID          string          `json:"id"`
	Description string          `json:"description,omitempty"`
	Trigger     triggerView     `json:"trigger"`
	Match       alerts.Match    `json:"match"`
	Schedule    scheduleView    `json:"schedule"`
	ActiveNow   bool            `json:"active_now"`
	Severity    alerts.Severity `json:"severity"`
	Receivers   []string        `json:"receivers"`
	Escalation  *escalationView `json:"escalation,omitempty"`
	CooldownS   float64         `json:"cooldown_s,omitempty"`
}

type triggerView struct {
	Type         alerts.TriggerType `json:"type"`
	ForS         float64            `json:"for_s,omitempty"`
	Zones        []string           `json:"zones,omitempty"`
	MinDurationS float64            `json:"min_duration_s,omitempty"`
	MinScore     float64            `json:"min_score,omitempty"`
	GroupS       float64            `json:"group_s,omitempty"`
	Below        float64            `json:"below,omitempty"`
	Changes      int                `json:"changes,omitempty"`
	WithinS      float64            `json:"within_s,omitempty"`
}

type scheduleView struct {
	Days    []string `json:"days,omitempty"`
	Windows []string `json:"windows,omitempty"`
}

type escalationView struct {
	Receiver string  `json:"receiver"`
	AfterS   float64 `json:"after_s"`
}

// rulesAnswer is GET /api/v1/rules.
type rulesAnswer struct {
	File     string     `json:"file"`
	TimeZone string     `json:"time_zone"`
	Rules    []ruleView `json:"rules"`
	// Disarmed are the programs (in scope) whose motion raises no alert.
	Disarmed []string `json:"disarmed"`
}

func viewRule(rl *alerts.Rule) ruleView {
	tr := rl.Trigger
	v := ruleView{ID: rl.ID, Description: rl.Description, Severity: rl.Severity, Receivers: rl.Receivers,
		Trigger: triggerView{Type: tr.Type, ForS: tr.For.Seconds(), Zones: tr.Zones, MinDurationS: tr.MinDuration.Seconds(),
			MinScore: tr.MinScore, GroupS: tr.Group.Seconds(), Below: tr.Below, Changes: tr.Changes, WithinS: tr.Within.Seconds()},
		Match:     rl.Match,
		Schedule:  scheduleView{Days: rl.Schedule.Days, Windows: rl.Schedule.Windows},
		CooldownS: rl.Cooldown.Seconds()}
	if v.Receivers == nil {
		v.Receivers = []string{}
	}
	if e := rl.Escalation; e != nil {
		v.Escalation = &escalationView{Receiver: e.Receiver, AfterS: e.After.Seconds()}
	}
	return v
}

// seesRule: a rule is shown to whoever sees something it matches; one
// matching every camera is shown to all.
func (s *server) seesRule(r *http.Request, m alerts.Match) bool {
	if len(m.Programs) == 0 && len(m.Wards) == 0 && len(m.Cameras) == 0 {
		return true
	}
	for _, p := range m.Programs {
		if s.sees(r, auth.Object{Program: p}) {
			return true
		}
	}
	for _, wd := range m.Wards {
		if s.sees(r, auth.Object{Ward: wd}) {
			return true
		}
	}
	for _, c := range m.Cameras {
		if s.sees(r, auth.Object{Camera: c}) {
			return true
		}
	}
	return false
}

// listRules serves GET /api/v1/rules: the alert rules in force (read
// only; they change by editing the file and POST /api/v1/alerts/reload)
// and the disarmed programs.
func (s *server) listRules(w http.ResponseWriter, r *http.Request) {
	src := s.o.Rules
	if src == nil {
		writeError(w, http.StatusServiceUnavailable, "alerts are not configured (alerts.rules)")
		return
	}
	path, rules := src.RulesInForce()
	out := rulesAnswer{File: path, Rules: []ruleView{}, Disarmed: []string{}}
	if rules != nil {
		out.TimeZone = rules.Location().String()
		now := s.o.Now()
		for i := range rules.Rules {
			rl := &rules.Rules[i]
			if !s.seesRule(r, rl.Match) {
				continue
			}
			v := viewRule(rl)
			v.ActiveNow = rl.Schedule.Active(now, rules.Location())
			out.Rules = append(out.Rules, v)
		}
	}
	off, err := src.Disarmed(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "the alerts state cannot be read: "+err.Error())
		return
	}
	for _, p := range off {
		if s.sees(r, auth.Object{Program: p}) {
			out.Disarmed = append(out.Disarmed, p)
		}
	}
	slices.Sort(out.Disarmed)
	writeJSON(w, http.StatusOK, out)
}

package alerts

import (
	"time"
)

// Silence mutes notifications of alerts it matches during [Start, End):
// alerts still fire and are recorded, only nobody is told. Empty matcher
// fields match anything.
type Silence struct {
	ID      string    `json:"id"`
	Rule    string    `json:"rule,omitempty"`
	Site    string    `json:"site,omitempty"`
	Camera  string    `json:"camera,omitempty"`
	Program string    `json:"program,omitempty"`
	Ward    string    `json:"ward,omitempty"`
	Vendor  string    `json:"vendor,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	By      string    `json:"by,omitempty"`
	Comment string    `json:"comment,omitempty"`
}

// Maintenance is planned work on a camera or a whole program: its alerts
// are not notified, and a later uptime report excludes the time.
type Maintenance struct {
	ID      string    `json:"id"`
	Site    string    `json:"site,omitempty"`
	Camera  string    `json:"camera,omitempty"`
	Program string    `json:"program,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Note    string    `json:"note,omitempty"`
}

func within(t, start, end time.Time) bool { return !t.Before(start) && t.Before(end) }

func eq(want, got string) bool { return want == "" || want == got }

// Matches reports whether the silence covers alert a at t.
func (s *Silence) Matches(a *Alert, t time.Time) bool {
	return within(t, s.Start, s.End) && eq(s.Rule, a.Rule) && eq(s.Site, a.Site) &&
		eq(s.Camera, a.Camera) && eq(s.Program, a.Labels.Program) &&
		eq(s.Ward, a.Labels.Ward) && eq(s.Vendor, a.Labels.Vendor)
}

// Matches reports whether the maintenance window covers alert a at t. A
// window naming neither camera nor program covers nothing, so a typo
// cannot mute a whole site.
func (m *Maintenance) Matches(a *Alert, t time.Time) bool {
	if m.Camera == "" && m.Program == "" {
		return false
	}
	return within(t, m.Start, m.End) && eq(m.Site, a.Site) && eq(m.Camera, a.Camera) &&
		eq(m.Program, a.Labels.Program)
}

// suppressedBy returns why notifications for a are muted at t, or "".
func (s *State) suppressedBy(a *Alert, t time.Time) string {
	for i := range s.Maintenance {
		if s.Maintenance[i].Matches(a, t) {
			return "maintenance:" + s.Maintenance[i].ID
		}
	}
	for i := range s.Silences {
		if s.Silences[i].Matches(a, t) {
			return "silence:" + s.Silences[i].ID
		}
	}
	return ""
}

// prune drops silences and maintenance windows that have ended.
func (s *State) prune(now time.Time) {
	keepS := s.Silences[:0]
	for _, x := range s.Silences {
		if now.Before(x.End) {
			keepS = append(keepS, x)
		}
	}
	s.Silences = keepS
	keepM := s.Maintenance[:0]
	for _, x := range s.Maintenance {
		if now.Before(x.End) {
			keepM = append(keepM, x)
		}
	}
	s.Maintenance = keepM
}

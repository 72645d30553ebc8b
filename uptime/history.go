package uptime

import (
	"time"

	"github.com/camwatch/camwatch/event"
)

// Transition is one change of a camera's state as stored by the aggregator.
// Time is when the new state began (for a stored health event, its since,
// which precedes the event's own time by the agent's detection delay); Seq
// is the camera's event sequence and orders transitions that share a time.
type Transition struct {
	Time   time.Time
	Seq    uint64
	State  State
	Reason string
}

// Camera is everything the model needs about one camera: who watches it,
// how it is labelled for grouping, when it was removed, and its transitions
// in any order. To know the state at the window's start, Transitions must
// include the last transition before the window (or all earlier ones).
type Camera struct {
	// Site and ID identify the camera (Ref): ids are unique per site only.
	Site   string
	ID     string
	Agent  string
	Labels event.Labels
	// Removed is when the camera was taken out of service; zero while it
	// still exists. It is not monitored from then on.
	Removed time.Time
	// Silent is set when the camera's agent was heard from long after the
	// camera last was (its last event): nobody reports on it any more,
	// whether it was taken out of the agent's config or its watch broke,
	// so its state from Silent on is unknown, not its last report held
	// for ever. Zero while the camera reports.
	Silent      time.Time
	Transitions []Transition
}

// Ref is the camera's identity.
func (c *Camera) Ref() event.CameraRef { return event.CameraRef{Site: c.Site, Camera: c.ID} }

// Span is a half-open interval [From, To) of wall time.
type Span struct {
	From time.Time
	To   time.Time
}

// Empty reports whether the span holds no time (or is reversed).
func (s Span) Empty() bool { return !s.From.Before(s.To) }

// Duration is the span's length, zero when empty.
func (s Span) Duration() time.Duration {
	if s.Empty() {
		return 0
	}
	return s.To.Sub(s.From)
}

// MaintenanceWindow is a planned window during which a camera's time is neither up
// nor down. It names one camera (Site and Camera; a window recorded before
// site-scoped identity has no Site and applies to that camera id at every
// site), or, with Camera empty, every camera of a program.
type MaintenanceWindow struct {
	Site    string
	Camera  string
	Program string
	Span
}

// History is the input of a report: the cameras with their transitions, the
// spans during which each agent was lost (keyed by agent id; a reader derives
// them from heartbeat gaps longer than the agent timeout), and the
// maintenance windows. Spans and windows may overlap and come in any order;
// a reader only needs what touches the window, plus each camera's last
// transition before it.
type History struct {
	Cameras     []Camera
	AgentLost   map[string][]Span
	Maintenance []MaintenanceWindow
}

package alerts

import "time"

// TransitionKind names a step in an alert's lifecycle.
type TransitionKind string

// Transition kinds. Each is emitted at most once per alert occurrence, so
// Transition.ID can serve as an idempotency key for delivery.
const (
	TransitionFiring       TransitionKind = "firing"
	TransitionAcknowledged TransitionKind = "acknowledged"
	TransitionEscalated    TransitionKind = "escalated"
	TransitionResolved     TransitionKind = "resolved"
)

// Suppression reasons in Transition.Suppressed besides silence and
// maintenance ids.
const (
	SuppressedCooldown = "cooldown"
	// SuppressedQuiet marks a transition that follows a suppressed firing:
	// nobody was told it started, so nobody is told it ended.
	SuppressedQuiet = "firing-not-notified"
)

// Transition is what the engine answers with: a step of one alert, with
// the receivers to notify. Delivery sends it, then calls Engine.Notified.
type Transition struct {
	// ID is the alert id and the kind: the same step computed twice has the
	// same id, so a receiver can drop repeats.
	ID   string         `json:"id"`
	Kind TransitionKind `json:"kind"`
	At   time.Time      `json:"at"`
	// Alert is a copy of the alert after the step.
	Alert Alert `json:"alert"`
	// Notify lists receivers; empty when nobody is to be told.
	Notify []string `json:"notify,omitempty"`
	// Suppressed says why Notify is empty although the rule has receivers:
	// "silence:<id>", "maintenance:<id>", "cooldown" or "firing-not-notified".
	Suppressed string `json:"suppressed,omitempty"`
}

func newTransition(kind TransitionKind, at time.Time, a *Alert) Transition {
	c := *a
	c.Zones = append([]string(nil), a.Zones...)
	c.NotifiedTo = append([]string(nil), a.NotifiedTo...)
	if a.Ack != nil {
		ack := *a.Ack
		c.Ack = &ack
	}
	return Transition{ID: a.ID + "/" + string(kind), Kind: kind, At: at, Alert: c}
}

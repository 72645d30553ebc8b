package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Acknowledge records that someone took the alert on: it stops escalation
// and tells the console who is on it.
func (e *Engine) Acknowledge(key, by, note string) (Transition, error) {
	if strings.TrimSpace(by) == "" {
		return Transition{}, fmt.Errorf("%w: acknowledge needs who", ErrInput)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Open[key]
	if a == nil {
		return Transition{}, fmt.Errorf("acknowledge %q: %w", key, ErrNotFound)
	}
	if a.State == StateAcknowledged {
		return Transition{}, fmt.Errorf("acknowledge %q (by %s): %w", key, a.Ack.By, ErrAcknowledged)
	}
	now := e.now()
	a.State = StateAcknowledged
	a.Ack = &Ack{By: by, At: now, Note: note}
	return newTransition(TransitionAcknowledged, now, a), nil
}

// Resolve closes an alert by hand. If its condition still holds it does
// not fire again until the condition has cleared once, so a resolved
// alert stays resolved.
func (e *Engine) Resolve(key, by, note string) (Transition, error) {
	if strings.TrimSpace(by) == "" {
		return Transition{}, fmt.Errorf("%w: resolve needs who", ErrInput)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Open[key]
	if a == nil {
		return Transition{}, fmt.Errorf("resolve %q: %w", key, ErrNotFound)
	}
	e.st.Latched[key] = true
	return e.resolve(a, e.now(), by, note), nil
}

// Notified records that a notification for the dedup key was actually
// sent at t; cooldowns count from the latest such time. Delivery calls it
// after a receiver accepted the notification, not when it was queued.
func (e *Engine) Notified(key string, t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.After(e.st.LastNotified[key]) {
		e.st.LastNotified[key] = t
	}
}

// AddSilence mutes matching alerts for a time range and returns the
// silence's id (a new one when s.ID is empty).
func (e *Engine) AddSilence(s Silence) (string, error) {
	if !s.End.After(s.Start) {
		return "", fmt.Errorf("%w: silence must end after it starts", ErrInput)
	}
	if s.ID == "" {
		s.ID = event.NewID()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.Silences = append(e.st.Silences, s)
	return s.ID, nil
}

// RemoveSilence ends a silence early; it reports whether one was removed.
func (e *Engine) RemoveSilence(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.st.Silences)
	e.st.Silences = deleteByID(e.st.Silences, id, func(s Silence) string { return s.ID })
	return len(e.st.Silences) < n
}

// AddMaintenance declares planned work on a camera or a program and
// returns the window's id.
func (e *Engine) AddMaintenance(m Maintenance) (string, error) {
	if !m.End.After(m.Start) {
		return "", fmt.Errorf("%w: maintenance must end after it starts", ErrInput)
	}
	if m.Camera == "" && m.Program == "" {
		return "", fmt.Errorf("%w: maintenance needs a camera or a program", ErrInput)
	}
	if m.ID == "" {
		m.ID = event.NewID()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.Maintenance = append(e.st.Maintenance, m)
	return m.ID, nil
}

// Disarm stops motion alerts for a whole community program, e.g. while
// residents are home; health alerts continue.
func (e *Engine) Disarm(program string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.Disarmed[program] = true
}

// Arm restores motion alerts for a program.
func (e *Engine) Arm(program string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.st.Disarmed, program)
}

func deleteByID[T any](xs []T, id string, idOf func(T) string) []T {
	out := xs[:0]
	for _, x := range xs {
		if idOf(x) != id {
			out = append(out, x)
		}
	}
	return out
}

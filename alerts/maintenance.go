package alerts

import (
	"context"
	"fmt"
)

// RemoveMaintenance ends a maintenance window early; it reports whether
// one was removed.
func (e *Engine) RemoveMaintenance(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := len(e.st.Maintenance)
	e.st.Maintenance = deleteByID(e.st.Maintenance, id, func(m Maintenance) string { return m.ID })
	return len(e.st.Maintenance) < n
}

// putMaintenance adds m or replaces the window with the same id, so that
// an API call retried after a lost answer does not stack two windows.
func (e *Engine) putMaintenance(m Maintenance) (string, error) {
	if m.ID != "" {
		e.RemoveMaintenance(m.ID)
	}
	return e.AddMaintenance(m)
}

// AddMaintenance mutes the alerts of planned work on a camera or a whole
// program from m.Start to m.End, through the evaluating replica; sending
// the same window id again replaces the window. It returns the id.
func (r *Runner) AddMaintenance(ctx context.Context, m Maintenance) (string, error) {
	if m.Start.IsZero() {
		m.Start = r.o.Now()
	}
	if !m.End.After(m.Start) {
		return "", fmt.Errorf("%w: maintenance must end after it starts", ErrInput)
	}
	if m.Camera == "" && m.Program == "" {
		return "", fmt.Errorf("%w: maintenance needs a camera or a program", ErrInput)
	}
	rep, err := r.request(ctx, command{Op: "maintain", Maintenance: &m})
	if err != nil {
		return "", err
	}
	return rep.ID, nil
}

// RemoveMaintenance ends a maintenance window early, through the evaluating
// replica. A window the engine does not know (never sent, already ended,
// already removed) is not an error: the caller's record is what counts.
func (r *Runner) RemoveMaintenance(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: maintenance id is empty", ErrInput)
	}
	_, err := r.request(ctx, command{Op: "unmaintain", ID: id})
	return err
}

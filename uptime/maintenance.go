package uptime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrMaintenance is returned for a maintenance window that cannot be
// recorded: no camera or program, or an end not after its start.
var ErrMaintenance = errors.New("invalid maintenance window")

// Planned is a maintenance window as recorded for reports: the alerts
// engine forgets a window once it has ended, but a report on last month
// still needs it, so every window declared through the API is also kept
// in the store (camstate: P:maintenance, id → this JSON) until it is
// deleted.
type Planned struct {
	ID string `json:"id"`
	// Site and Camera name one camera; a window recorded before
	// site-scoped identity has no site and applies to that camera id at
	// every site.
	Site    string    `json:"site,omitempty"`
	Camera  string    `json:"camera,omitempty"`
	Program string    `json:"program,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Note    string    `json:"note,omitempty"`
	// By is who planned the window (the signed-in user or token).
	By string `json:"by,omitempty"`
}

// Check reports whether p can be recorded.
func (p Planned) Check() error {
	switch {
	case p.ID == "" || strings.ContainsAny(p.ID, " \t\n"):
		return fmt.Errorf("%w: needs an id", ErrMaintenance)
	case p.Camera == "" && p.Program == "":
		return fmt.Errorf("%w: needs a camera or a program", ErrMaintenance)
	case !p.End.After(p.Start):
		return fmt.Errorf("%w: must end after it starts", ErrMaintenance)
	}
	return nil
}

// RecordMaintenance keeps p for reports; recording the same id again
// replaces it.
func (s *Source) RecordMaintenance(ctx context.Context, p Planned) error {
	if err := p.Check(); err != nil {
		return err
	}
	p.Start, p.End = p.Start.UTC(), p.End.UTC()
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode maintenance %s: %w", p.ID, err)
	}
	return s.st.PutMaintenance(ctx, p.ID, b)
}

// DeleteMaintenance forgets a recorded window (it was never carried out);
// it reports whether the window was there.
func (s *Source) DeleteMaintenance(ctx context.Context, id string) (bool, error) {
	return s.st.DeleteMaintenance(ctx, id)
}

// Maintenance lists the recorded windows, by start then id; damaged
// entries are skipped and counted in the second result.
func (s *Source) Maintenance(ctx context.Context) ([]Planned, int, error) {
	raw, err := s.st.MaintenanceDocs(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Planned, 0, len(raw))
	bad := 0
	for _, v := range raw {
		var p Planned
		if json.Unmarshal([]byte(v), &p) != nil || p.Check() != nil {
			bad++
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Planned) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, bad, nil
}

// maintenanceIn returns the recorded windows that touch w, for a History.
func (s *Source) maintenanceIn(ctx context.Context, w Span) ([]MaintenanceWindow, error) {
	all, _, err := s.Maintenance(ctx)
	if err != nil {
		return nil, err
	}
	var out []MaintenanceWindow
	for _, p := range all {
		if p.Start.Before(w.To) && p.End.After(w.From) {
			out = append(out, MaintenanceWindow{Site: p.Site, Camera: p.Camera, Program: p.Program, Span: Span{p.Start, p.End}})
		}
	}
	return out, nil
}

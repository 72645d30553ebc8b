package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/uptime"
)

// MaintenanceRecord keeps maintenance windows for uptime reports, which
// need them after the alerts engine has forgotten them; *uptime.Source
// implements it.
type MaintenanceRecord interface {
	RecordMaintenance(ctx context.Context, p uptime.Planned) error
	DeleteMaintenance(ctx context.Context, id string) (bool, error)
	Maintenance(ctx context.Context) ([]uptime.Planned, int, error)
}

func (s *server) maintenanceOr(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Uptime == nil || s.o.Uptime.Maintenance == nil {
			writeError(w, http.StatusNotFound, "uptime reports are not configured")
			return
		}
		h(w, r)
	}
}

type maintenanceList struct {
	Maintenance []uptime.Planned `json:"maintenance"`
}

func (s *server) listMaintenance(w http.ResponseWriter, r *http.Request) {
	list, bad, err := s.o.Uptime.Maintenance.Maintenance(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if bad > 0 {
		s.log.Warn("damaged maintenance windows skipped", "count", bad)
	}
	writeJSON(w, http.StatusOK, maintenanceList{Maintenance: list})
}

// maintenanceBody is a window as POSTed: the server assigns the id.
type maintenanceBody struct {
	Camera  string    `json:"camera"`
	Program string    `json:"program"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Note    string    `json:"note"`
}

func (s *server) addMaintenance(w http.ResponseWriter, r *http.Request) {
	var b maintenanceBody
	if !decodeBody(w, r, &b) {
		return
	}
	if b.Start.IsZero() {
		b.Start = s.o.Now()
	}
	p := uptime.Planned{ID: event.NewID(), Camera: b.Camera, Program: b.Program, Start: b.Start, End: b.End, Note: b.Note}
	if err := p.Check(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if ma := s.o.MaintenanceAlerts; ma != nil && p.End.After(s.o.Now()) {
		if _, err := ma.AddMaintenance(r.Context(), alerts.Maintenance{ID: p.ID, Camera: p.Camera, Program: p.Program,
			Start: p.Start, End: p.End, Note: p.Note}); err != nil {
			s.alertError(w, r, err)
			return
		}
	}
	if err := s.o.Uptime.Maintenance.RecordMaintenance(r.Context(), p); err != nil {
		if errors.Is(err, uptime.ErrMaintenance) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.internal(w, r, err)
		return
	}
	p.Start, p.End = p.Start.UTC(), p.End.UTC()
	writeJSON(w, http.StatusCreated, p)
}

func (s *server) deleteMaintenance(w http.ResponseWriter, r *http.Request) {
	// The engine first: if the leader cannot be reached the record stays,
	// and a retry of the DELETE finishes the job.
	if ma := s.o.MaintenanceAlerts; ma != nil {
		if err := ma.RemoveMaintenance(r.Context(), r.PathValue("id")); err != nil {
			s.alertError(w, r, err)
			return
		}
	}
	ok, err := s.o.Uptime.Maintenance.DeleteMaintenance(r.Context(), r.PathValue("id"))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, "maintenance window not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

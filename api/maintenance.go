package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/auth"
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
	out := make([]uptime.Planned, 0, len(list))
	for i := range list {
		if s.sees(r, s.cameraLabels(r.Context(), plannedTarget(&list[i]))) {
			out = append(out, list[i])
		}
	}
	writeJSON(w, http.StatusOK, maintenanceList{Maintenance: out})
}

// maintenanceBody is a window as POSTed: the server assigns the id.
type maintenanceBody struct {
	// Camera is "<site>/<camera>", or a camera id with Site (or alone,
	// when one site uses it).
	Site    string    `json:"site"`
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
	now := s.o.Now()
	if b.Start.IsZero() {
		b.Start = now
	}
	if len(b.Note) > maxNote {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("note: at most %d bytes", maxNote))
		return
	}
	if !s.siteOf(w, r, &b.Site, &b.Camera) {
		return
	}
	actor := ActorFrom(r.Context())
	p := uptime.Planned{ID: event.NewID(), Site: b.Site, Camera: b.Camera, Program: b.Program, Start: b.Start, End: b.End,
		Note: strings.TrimSpace(b.Note), By: actor.ID()}
	if err := p.Check(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	obj := s.cameraLabels(r.Context(), plannedTarget(&p))
	if !s.allow(w, r, obj, "camera or program not found") {
		return
	}
	if err := auth.CheckMaintenance(actor, p.Start, now, p.Note); err != nil {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	list, _, err := s.o.Uptime.Maintenance.Maintenance(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	inForce := list[:0:0]
	for _, x := range list {
		if x.End.After(now) {
			inForce = append(inForce, x)
		}
	}
	if n := countTarget(inForce, plannedTarget, plannedTarget(&p)); n >= s.o.Access.MaxMaintenancePerScope {
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("maintenance: %d windows already in force for this target (limit %d, access.max_maintenance_per_scope)", n, s.o.Access.MaxMaintenancePerScope))
		return
	}
	pend, ok := s.begin(w, r, "maintenance.add", append([]string{"maintenance:" + p.ID}, targetNames(obj)...)...)
	if !ok {
		return
	}
	if ma := s.o.MaintenanceAlerts; ma != nil && p.End.After(now) {
		if _, err := ma.AddMaintenance(r.Context(), alerts.Maintenance{ID: p.ID, Site: p.Site, Camera: p.Camera, Program: p.Program,
			Start: p.Start, End: p.End, Note: p.Note}); err != nil {
			pend.done(err)
			s.alertError(w, r, err)
			return
		}
	}
	err = s.o.Uptime.Maintenance.RecordMaintenance(r.Context(), p)
	pend.done(err)
	if err != nil {
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

// plannedTarget is what a maintenance window names.
func plannedTarget(p *uptime.Planned) auth.Object {
	return auth.Object{Site: p.Site, Camera: p.Camera, Program: p.Program}
}

func (s *server) deleteMaintenance(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	const missing = "maintenance window not found"
	list, _, err := s.o.Uptime.Maintenance.Maintenance(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var found *uptime.Planned
	for i := range list {
		if list[i].ID == id {
			found = &list[i]
		}
	}
	if found == nil {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	obj := s.cameraLabels(r.Context(), plannedTarget(found))
	if !s.allow(w, r, obj, missing) {
		return
	}
	pend, ok := s.begin(w, r, "maintenance.remove", append([]string{"maintenance:" + id}, targetNames(obj)...)...)
	if !ok {
		return
	}
	// The engine first: if the leader cannot be reached the record stays,
	// and a retry of the DELETE finishes the job.
	if ma := s.o.MaintenanceAlerts; ma != nil {
		if err := ma.RemoveMaintenance(r.Context(), id); err != nil {
			pend.done(err)
			s.alertError(w, r, err)
			return
		}
	}
	deleted, err := s.o.Uptime.Maintenance.DeleteMaintenance(r.Context(), id)
	pend.done(err)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !deleted {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

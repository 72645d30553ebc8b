package api

import (
	"context"
	"errors"
	"github.com/camwatch/camwatch/camstate"
	"net/http"
	"strconv"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
)

// SnapshotStore serves snapshot JPEGs (*camstate.Store implements it);
// Options.Snapshots nil answers 404 for every snapshot.
type SnapshotStore interface {
	Snapshot(ctx context.Context, id string) ([]byte, error)
	// SnapshotCamera names the camera the snapshot is of, for the scope.
	SnapshotCamera(ctx context.Context, id string) (site, camera string, err error)
}

// getSnapshot serves GET /api/v1/events/{id}/snapshot: the JPEG taken at
// a motion start or a picture fault, 404 when there is none or it has
// passed the event retention.
func (s *server) getSnapshot(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if len(id) < 8 || len(id) > 64 || !event.ValidToken(id) {
		writeError(w, http.StatusBadRequest, "id: not an event id")
		return
	}
	ss := s.o.Snapshots
	if ss == nil {
		writeError(w, http.StatusNotFound, "no snapshot for this event")
		return
	}
	const missing = "no snapshot for this event"
	site, camera, err := ss.SnapshotCamera(r.Context(), id)
	if errors.Is(err, camstate.ErrNoSnapshot) {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !s.allow(w, r, s.cameraLabels(r.Context(), auth.Object{Site: site, Camera: camera}), missing) ||
		!s.read(w, r, "snapshot.view", "camera:"+site+"/"+camera, "event:"+id) {
		return
	}
	b, err := ss.Snapshot(r.Context(), id)
	if errors.Is(err, camstate.ErrNoSnapshot) {
		writeError(w, http.StatusNotFound, "no snapshot for this event")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(b)
}

package api

import (
	"errors"
	"net/http"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/ingest"
)

type cameraList struct {
	Cameras []ingest.Camera `json:"cameras"`
}

func (s *server) listCameras(w http.ResponseWriter, r *http.Request) {
	cams, err := s.o.Store.Cameras(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if cams == nil {
		cams = []ingest.Camera{}
	}
	writeJSON(w, http.StatusOK, cameraList{Cameras: cams})
}

func (s *server) getCamera(w http.ResponseWriter, r *http.Request) {
	cam, ok := s.camera(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, cam)
}

// camera loads the {id} of the path, answering 400 or 404 itself.
func (s *server) camera(w http.ResponseWriter, r *http.Request) (*ingest.Camera, bool) {
	id := r.PathValue("id")
	if !event.ValidToken(id) {
		writeError(w, http.StatusBadRequest, "id: must be 1 to 64 letters, digits, '-' or '_'")
		return nil, false
	}
	cam, err := s.o.Store.Camera(r.Context(), id)
	if errors.Is(err, ingest.ErrNotFound) {
		writeError(w, http.StatusNotFound, "camera "+id+" not found")
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	return cam, true
}

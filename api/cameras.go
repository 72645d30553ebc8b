package api

import (
	"context"
	"errors"
	"github.com/camwatch/camwatch/camstate"
	"net/http"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
)

type cameraList struct {
	Cameras []camstate.Camera `json:"cameras"`
}

// cameraObject is a camera as the policy sees it.
func cameraObject(c *camstate.Camera) auth.Object {
	return auth.Object{Camera: c.ID, Program: c.Labels.Program, Ward: c.Labels.Ward}
}

// redact drops what the actor's role is not shown of a camera.
func (s *server) redact(r *http.Request, c *camstate.Camera) {
	a := ActorFrom(r.Context())
	if s.o.Access.HideLocations && a != nil && a.Role == auth.Viewer {
		c.Labels.Location = ""
	}
	// Who may not see snapshots is not told which ones exist either.
	if a == nil || !a.Role.Has(auth.SnapshotsRead) {
		c.Snapshot = nil
	}
}

func (s *server) listCameras(w http.ResponseWriter, r *http.Request) {
	cams, err := s.o.Store.Cameras(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]camstate.Camera, 0, len(cams))
	for i := range cams {
		if s.sees(r, cameraObject(&cams[i])) {
			s.redact(r, &cams[i])
			out = append(out, cams[i])
		}
	}
	writeJSON(w, http.StatusOK, cameraList{Cameras: out})
}

func (s *server) getCamera(w http.ResponseWriter, r *http.Request) {
	cam, ok := s.camera(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	s.redact(r, cam)
	writeJSON(w, http.StatusOK, cam)
}

// camera is the one place the API looks a camera up for a request: it
// validates the id, loads the camera and asks the policy about it,
// answering 400 or 404 itself (404 alike for a camera that does not
// exist and one outside the actor's scope).
func (s *server) camera(w http.ResponseWriter, r *http.Request, id string) (*camstate.Camera, bool) {
	if !event.ValidToken(id) {
		writeError(w, http.StatusBadRequest, "id: must be 1 to 64 letters, digits, '-' or '_'")
		return nil, false
	}
	missing := "camera " + id + " not found"
	cam, err := s.o.Store.Camera(r.Context(), id)
	if errors.Is(err, camstate.ErrNotFound) {
		writeError(w, http.StatusNotFound, missing)
		return nil, false
	}
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	if !s.allow(w, r, cameraObject(cam), missing) {
		return nil, false
	}
	return cam, true
}

// cameraLabels fills in a policy object naming a camera with the
// camera's program and ward, when the store knows it; the object is what
// silences and maintenance windows on one camera are judged by.
func (s *server) cameraLabels(ctx context.Context, o auth.Object) auth.Object {
	if o.Camera == "" || s.o.Store == nil {
		return o
	}
	cam, err := s.o.Store.Camera(ctx, o.Camera)
	if err != nil {
		return o
	}
	if o.Program == "" {
		o.Program = cam.Labels.Program
	}
	if o.Ward == "" {
		o.Ward = cam.Labels.Ward
	}
	return o
}

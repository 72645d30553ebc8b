package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/camwatch/camwatch/camstate"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
)

type cameraList struct {
	Cameras []camstate.Camera `json:"cameras"`
}

// cameraObject is a camera as the policy sees it.
func cameraObject(c *camstate.Camera) auth.Object {
	return auth.Object{Site: c.Site, Camera: c.ID, Program: c.Labels.Program, Ward: c.Labels.Ward}
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
	cam, ok := s.pathCamera(w, r)
	if !ok {
		return
	}
	s.redact(r, cam)
	writeJSON(w, http.StatusOK, cam)
}

// pathCamera is the camera a route names: /sites/{site}/cameras/{camera}
// or, for clients of the paths before site-scoped identity,
// /cameras/{id} (a bare id, see camera).
func (s *server) pathCamera(w http.ResponseWriter, r *http.Request) (*camstate.Camera, bool) {
	if site := r.PathValue("site"); site != "" {
		return s.camera(w, r, site+"/"+r.PathValue("camera"))
	}
	return s.camera(w, r, r.PathValue("id"))
}

// camera is the one place the API looks a camera up for a request, by
// its reference "<site>/<camera>" (event.CameraRef) or by a bare camera
// id, which names the one camera of that id the actor may see: a bare id
// two sites use (both visible) answers 409 naming the sites. It loads
// the camera and asks the policy about it, answering 400, 404 or 409
// itself (404 alike for a camera that does not exist and one outside the
// actor's scope).
func (s *server) camera(w http.ResponseWriter, r *http.Request, name string) (*camstate.Camera, bool) {
	cam, status, msg := s.findCamera(r, name)
	switch status {
	case http.StatusOK:
	case http.StatusInternalServerError:
		s.internal(w, r, errors.New(msg))
		return nil, false
	default:
		writeError(w, status, msg)
		return nil, false
	}
	if !s.allow(w, r, cameraObject(cam), "camera "+name+" not found") {
		return nil, false
	}
	return cam, true
}

// cameraRef is the camera a query parameter names (as camera reads it),
// for routes whose data is not the camera's state (uptime, timelines):
// without a state store only a full reference is understood.
func (s *server) cameraRef(w http.ResponseWriter, r *http.Request, name string) (event.CameraRef, bool) {
	if s.o.Store == nil {
		ref, err := event.ParseCameraRef(name)
		if err != nil {
			writeError(w, http.StatusBadRequest, "camera: "+err.Error())
			return event.CameraRef{}, false
		}
		return ref, true
	}
	cam, ok := s.camera(w, r, name)
	if !ok {
		return event.CameraRef{}, false
	}
	return cam.Ref, true
}

// siteOf completes the camera a silence or a maintenance window names
// with its site: "<site>/<camera>" in camera is split, a bare id one site
// uses (among the cameras the actor sees) gets that site, a bare id
// several use answers 409 naming them. An id no camera has yet is left
// without a site, as before site-scoped identity (it then matches that id
// at every site). It answers 400 or 409 itself.
func (s *server) siteOf(w http.ResponseWriter, r *http.Request, site, camera *string) bool {
	if *camera == "" {
		return true
	}
	if strings.Contains(*camera, "/") {
		ref, err := event.ParseCameraRef(*camera)
		if err != nil {
			writeError(w, http.StatusBadRequest, "camera: "+err.Error())
			return false
		}
		if *site != "" && *site != ref.Site {
			writeError(w, http.StatusBadRequest, "site: "+*site+" disagrees with camera "+*camera)
			return false
		}
		*site, *camera = ref.Site, ref.Camera
		return true
	}
	if *site != "" || s.o.Store == nil {
		return true
	}
	cam, status, msg := s.findCamera(r, *camera)
	switch status {
	case http.StatusOK:
		*site = cam.Site
	case http.StatusNotFound:
	case http.StatusInternalServerError:
		s.internal(w, r, errors.New(msg))
		return false
	default:
		writeError(w, status, msg)
		return false
	}
	return true
}

// findCamera resolves name as camera does, answering the status and
// message of a refusal (200 with the camera otherwise; the policy is
// asked by the caller).
func (s *server) findCamera(r *http.Request, name string) (*camstate.Camera, int, string) {
	missing := "camera " + name + " not found"
	if strings.Contains(name, "/") {
		ref, err := event.ParseCameraRef(name)
		if err != nil {
			return nil, http.StatusBadRequest, "camera: " + err.Error()
		}
		cam, err := s.o.Store.Camera(r.Context(), ref)
		if errors.Is(err, camstate.ErrNotFound) {
			return nil, http.StatusNotFound, missing
		}
		if err != nil {
			return nil, http.StatusInternalServerError, err.Error()
		}
		return cam, http.StatusOK, ""
	}
	if !event.ValidToken(name) {
		return nil, http.StatusBadRequest, "camera: must be <site>/<camera> or a camera id, each 1 to 64 letters, digits, '-' or '_'"
	}
	refs, err := s.o.Store.Resolve(r.Context(), name)
	if err != nil {
		return nil, http.StatusInternalServerError, err.Error()
	}
	var seen []*camstate.Camera
	for _, ref := range refs {
		cam, err := s.o.Store.Camera(r.Context(), ref)
		if errors.Is(err, camstate.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, http.StatusInternalServerError, err.Error()
		}
		// Only the sites the actor may see are named, or counted.
		if s.sees(r, cameraObject(cam)) {
			seen = append(seen, cam)
		}
	}
	switch len(seen) {
	case 0:
		return nil, http.StatusNotFound, missing
	case 1:
		return seen[0], http.StatusOK, ""
	}
	sites := make([]string, len(seen))
	for i, c := range seen {
		sites[i] = c.Site
	}
	return nil, http.StatusConflict, "camera " + name + " is at several sites (" + strings.Join(sites, ", ") +
		"): name one as <site>/" + name + ", e.g. /api/v1/sites/" + sites[0] + "/cameras/" + name
}

// cameraLabels fills in a policy object naming a camera with the
// camera's program and ward, when the store knows it; the object is what
// silences and maintenance windows on one camera are judged by.
func (s *server) cameraLabels(ctx context.Context, o auth.Object) auth.Object {
	if o.Camera == "" || o.Site == "" || s.o.Store == nil {
		return o
	}
	cam, err := s.o.Store.Camera(ctx, event.CameraRef{Site: o.Site, Camera: o.Camera})
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

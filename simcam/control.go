package simcam

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// maxControlBody bounds a fault request; real ones are a few dozen bytes.
const maxControlBody = 4 << 10

// CameraStatus is one camera as the control endpoint lists it. URL never
// carries credentials.
type CameraStatus struct {
	ID       string     `json:"id"`
	URL      string     `json:"url"`
	Clip     string     `json:"clip"`
	State    State      `json:"state"`
	Fault    FaultKind  `json:"fault,omitempty"`
	FaultEnd *time.Time `json:"fault_until,omitempty"`
	Clients  int64      `json:"clients"`
}

// FaultRequest is the body of POST /cameras/{id}/fault.
type FaultRequest struct {
	Kind    FaultKind `json:"kind"`
	Seconds float64   `json:"seconds"`
}

// Cameras reports every camera's state, in configuration order.
func (s *Server) Cameras() []CameraStatus {
	out := make([]CameraStatus, 0, len(s.cams))
	for _, c := range s.cams {
		out = append(out, s.cameraStatus(c))
	}
	return out
}

func (s *Server) cameraStatus(c *camera) CameraStatus {
	st := c.status()
	cs := CameraStatus{
		ID:      c.id,
		URL:     s.URL(c.id),
		Clip:    c.clip.name,
		State:   st.State,
		Fault:   st.Fault,
		Clients: c.clients.Load(),
	}
	if !st.FaultEnd.IsZero() {
		t := st.FaultEnd.UTC()
		cs.FaultEnd = &t
	}
	return cs
}

// controlHandler serves:
//
//	GET  /cameras               list cameras
//	GET  /cameras/{id}          one camera
//	POST /cameras/{id}/fault    {"kind":"offline","seconds":5}
//	GET  /cameras/{id}/log      state changes with their times
func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cameras", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Cameras())
	})
	mux.HandleFunc("GET /cameras/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.byID[r.PathValue("id")]
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Errorf("camera %q: %w", r.PathValue("id"), ErrUnknownCamera))
			return
		}
		writeJSON(w, http.StatusOK, s.cameraStatus(c))
	})
	mux.HandleFunc("POST /cameras/{id}/fault", s.handleFault)
	mux.HandleFunc("GET /cameras/{id}/log", func(w http.ResponseWriter, r *http.Request) {
		changes, err := s.StateLog(r.PathValue("id"))
		if err != nil {
			writeError(w, http.StatusNotFound, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "changes": changes})
	})
	return mux
}

func (s *Server) handleFault(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, ok := s.byID[id]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("camera %q: %w", id, ErrUnknownCamera))
		return
	}
	var req FaultRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf(`body must be JSON like {"kind":"offline","seconds":5}: %w`, err))
		return
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, errors.New("body must hold a single JSON object"))
		return
	}
	if math.IsNaN(req.Seconds) || req.Seconds < 0 || req.Seconds > 24*3600 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: seconds must be between 0 and 86400", ErrBadFault))
		return
	}
	f := Fault{Kind: req.Kind, For: time.Duration(req.Seconds * float64(time.Second))}
	if err := f.validate(); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := c.setFault(f); err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	s.log.Info("fault requested over http", "camera", id, "fault", f.Kind, "for", f.For)
	writeJSON(w, http.StatusOK, s.cameraStatus(c))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
)

func (s *server) evidenceOr(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Investigations == nil || s.o.Investigations.Evidence == nil {
			writeError(w, http.StatusNotFound, "cases and evidence are not enabled on this aggregator")
			return
		}
		h(w, r)
	}
}

func (s *server) ev() *evidence.Service { return s.o.Investigations.Evidence }

// caseObjects are the policy objects of a case: each of its cameras.
func caseObjects(c *evidence.Case) []auth.Object {
	out := make([]auth.Object, len(c.Cameras))
	for i, cam := range c.Cameras {
		out[i] = auth.Object{Site: cam.Site, Camera: cam.ID, Program: cam.Program, Ward: cam.Ward}
	}
	return out
}

// seesCase: an actor sees a case when every camera of it is in scope.
func (s *server) seesCase(r *http.Request, c *evidence.Case) bool {
	for _, o := range caseObjects(c) {
		if !s.sees(r, o) {
			return false
		}
	}
	return true
}

// loadCase finds the case of the path, answering 404 (missing or out of
// scope alike) or 503 itself.
func (s *server) loadCase(w http.ResponseWriter, r *http.Request) (*evidence.Case, bool) {
	id := r.PathValue("id")
	const missing = "case not found"
	if !event.ValidToken(id) {
		writeError(w, http.StatusNotFound, missing)
		return nil, false
	}
	c, _, err := s.ev().Cases.Get(r.Context(), id)
	if errors.Is(err, evidence.ErrNoCase) {
		writeError(w, http.StatusNotFound, missing)
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return nil, false
	}
	for _, o := range caseObjects(c) {
		if !s.allow(w, r, o, missing) {
			return nil, false
		}
	}
	return c, true
}

type caseList struct {
	Cases []*evidence.Case `json:"cases"`
}

func (s *server) listCases(w http.ResponseWriter, r *http.Request) {
	cs, err := s.ev().Cases.List(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	out := []*evidence.Case{}
	for _, c := range cs {
		if s.seesCase(r, c) {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, caseList{Cases: out})
}

func (s *server) getCase(w http.ResponseWriter, r *http.Request) {
	c, ok := s.loadCase(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// caseBody opens a case.
type caseBody struct {
	Number   string    `json:"number"`
	Title    string    `json:"title"`
	Reason   string    `json:"reason"`
	Programs []string  `json:"programs"`
	Wards    []string  `json:"wards"`
	Cameras  []string  `json:"cameras"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
}

// openCase serves POST /api/v1/cases: the area is resolved to the
// cameras in the investigator's scope (a named camera outside it is 404),
// the opening is audited before it happens, and the hold starts at once.
func (s *server) openCase(w http.ResponseWriter, r *http.Request) {
	var b caseBody
	if !decodeBody(w, r, &b) {
		return
	}
	c := &evidence.Case{Number: strings.TrimSpace(b.Number), Title: strings.TrimSpace(b.Title), Reason: strings.TrimSpace(b.Reason),
		Query: evidence.Query{Programs: b.Programs, Wards: b.Wards, Cameras: b.Cameras, From: b.From.UTC(), To: b.To.UTC()}}
	if err := c.CheckNew(); err != nil {
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), evidence.ErrInput.Error()+": "))
		return
	}
	cams, ok := s.resolveArea(w, r, b.Programs, b.Wards, b.Cameras)
	if !ok {
		return
	}
	if len(cams) == 0 {
		writeError(w, http.StatusBadRequest, "area: no camera of yours is in it")
		return
	}
	objs := []string{}
	for _, cam := range cams {
		c.Cameras = append(c.Cameras, evidence.Camera{ID: cam.ID, Site: cam.Site, Agent: cam.Agent,
			Program: cam.Labels.Program, Ward: cam.Labels.Ward, Location: cam.Labels.Location})
		objs = append(objs, "camera:"+cam.Ref.String())
	}
	c.ID = evidence.NewCaseID()
	c.OpenedBy = ActorFrom(r.Context()).ID()
	p, ok := s.begin(w, r, "case.open", append([]string{"case:" + c.ID}, objs...)...)
	if !ok {
		return
	}
	out, err := s.ev().Create(r.Context(), c)
	p.done(err)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "the case was not opened: "+err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

type closeBody struct {
	Note string `json:"note"`
}

// closeCase serves POST /api/v1/cases/{id}/close (admins): the hold
// ends and the held copies are deleted; the case stays on record.
func (s *server) closeCase(w http.ResponseWriter, r *http.Request) {
	var b closeBody
	if !decodeBody(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Note) == "" || len(b.Note) > maxNote {
		writeError(w, http.StatusBadRequest, "note: say why the case is closed (at most 1000 bytes)")
		return
	}
	c, ok := s.loadCase(w, r)
	if !ok {
		return
	}
	if c.Status == evidence.StatusClosed {
		writeError(w, http.StatusConflict, "the case is closed already")
		return
	}
	p, ok := s.begin(w, r, "case.close", "case:"+c.ID)
	if !ok {
		return
	}
	out, err := s.ev().Close(r.Context(), c.ID, ActorFrom(r.Context()).ID(), strings.TrimSpace(b.Note))
	p.done(err)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

type exportBody struct {
	Reason string `json:"reason"`
}

// exportCase serves POST /api/v1/cases/{id}/export: the signed evidence
// bundle (application/zip). The export is audited before it starts; the
// bundle is built in a temporary file and sent only when complete, so a
// failure (Redis, the object store or the audit stream down) sends 503
// and nothing partial.
func (s *server) exportCase(w http.ResponseWriter, r *http.Request) {
	var b exportBody
	if !decodeBody(w, r, &b) {
		return
	}
	b.Reason = strings.TrimSpace(b.Reason)
	if b.Reason == "" || len(b.Reason) > maxNote || strings.ContainsAny(b.Reason, "\r\n") {
		writeError(w, http.StatusBadRequest, "reason: say why the bundle is exported (one line, at most 1000 bytes)")
		return
	}
	c, ok := s.loadCase(w, r)
	if !ok {
		return
	}
	if c.Status != evidence.StatusOpen {
		writeError(w, http.StatusConflict, "the case is closed: its hold has ended")
		return
	}
	if s.ev().PublicKey() == nil {
		writeError(w, http.StatusServiceUnavailable, "no evidence key is configured (evidence.key), so nothing can be signed")
		return
	}
	p, ok := s.begin(w, r, "evidence.export", "case:"+c.ID, "reason:"+b.Reason)
	if !ok {
		return
	}
	f, err := os.CreateTemp("", "camwatch-bundle-*.zip")
	if err != nil {
		p.done(err)
		s.internal(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	a := ActorFrom(r.Context())
	m, err := s.ev().Export(r.Context(), evidence.ExportRequest{Case: c.ID, Reason: b.Reason, UpTo: p.rec.Ref,
		Exporter: evidence.Exporter{Kind: string(a.Kind), Name: a.Name, Role: string(a.Role), Addr: clientAddr(r, s.o.Access.TrustedProxies)}}, f, nil)
	if err != nil {
		p.done(err)
		writeError(w, http.StatusServiceUnavailable, "nothing was exported: "+err.Error())
		return
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		p.done(err)
		s.internal(w, r, err)
		return
	}
	p.done(nil)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="camwatch-case-%s.zip"`, c.ID))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Camwatch-Bundle-Files", strconv.Itoa(len(m.Files)+2))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

// evidenceKey serves GET /api/v1/evidence/key: the public half of the
// deployment's evidence key as PEM, for anyone who verifies a bundle.
func (s *server) evidenceKey(w http.ResponseWriter, r *http.Request) {
	pub := s.ev().PublicKey()
	if pub == nil {
		writeError(w, http.StatusNotFound, "no evidence key is configured")
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("X-Camwatch-Key-Id", signing.KeyID(pub))
	_, _ = w.Write(signing.PublicPEM(pub))
}

// getClip serves GET /api/v1/events/{id}/clip with id a motion.start
// event: the MP4 as video/mp4 with Range support (http.ServeContent),
// judged by its camera's scope and served only when its SHA-256 equals
// the digest the edge recorded.
func (s *server) getClip(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	const missing = "no clip for this event"
	if len(id) < 8 || len(id) > 64 || !event.ValidToken(id) {
		writeError(w, http.StatusBadRequest, "id: not an event id")
		return
	}
	inv := s.o.Investigations
	if inv.Clips == nil {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	ref, err := inv.Clips.ClipRef(r.Context(), id)
	if errors.Is(err, camstate.ErrNoClip) {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !s.allow(w, r, s.cameraLabels(r.Context(), auth.Object{Site: ref.Site, Camera: ref.Camera}), missing) ||
		!s.read(w, r, "clip.view", "camera:"+ref.Site+"/"+ref.Camera, "event:"+id) {
		return
	}
	b, err := s.ev().Clip(r.Context(), ref, id)
	if errors.Is(err, camstate.ErrNoClip) {
		writeError(w, http.StatusNotFound, missing)
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("ETag", `"`+ref.SHA256+`"`)
	http.ServeContent(w, r, id+".mp4", ref.Time, bytes.NewReader(b))
}

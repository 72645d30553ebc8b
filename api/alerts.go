package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
)

// Alerts is what the alert routes use; *alerts.Runner implements it on
// every replica (reads from Redis, changes through the evaluating replica).
type Alerts interface {
	List(ctx context.Context, q alerts.Query) ([]alerts.Alert, error)
	Get(ctx context.Context, key string) (*alerts.Alert, error)
	Acknowledge(ctx context.Context, key, by, note string) (alerts.Transition, error)
	Resolve(ctx context.Context, key, by, note string) (alerts.Transition, error)
	Silences(ctx context.Context) ([]alerts.Silence, error)
	AddSilence(ctx context.Context, s alerts.Silence) (alerts.Silence, error)
	RemoveSilence(ctx context.Context, id string) error
	Arm(ctx context.Context, program string) error
	Disarm(ctx context.Context, program string) error
	Reload(ctx context.Context) error
	Subscribe(ctx context.Context, after uint64) (<-chan alerts.FeedItem, error)
}

// DefaultAlertsHeartbeat keeps idle SSE connections open through proxies.
const DefaultAlertsHeartbeat = 15 * time.Second

// DefaultHistoryRange is how far back resolved alerts are listed without from.
const DefaultHistoryRange = 24 * time.Hour

// maxBody bounds request bodies of the alert routes.
const maxBody = 64 << 10

func (s *server) alertsOr(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Alerts == nil {
			writeError(w, http.StatusServiceUnavailable, "alerts are not configured (alerts.rules)")
			return
		}
		h(w, r)
	}
}

// alertError maps the alerts package's errors to answers.
func (s *server) alertError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, alerts.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, alerts.ErrAcknowledged):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, alerts.ErrInput), errors.Is(err, alerts.ErrRules):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, alerts.ErrNoLeader):
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		s.internal(w, r, err)
	}
}

type alertList struct {
	Alerts []alerts.Alert `json:"alerts"`
}

func (s *server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq := alerts.Query{State: alerts.AlertState(q.Get("state")), Program: q.Get("program"),
		Site: q.Get("site"), Camera: q.Get("camera"), Rule: q.Get("rule")}
	if ref, err := event.ParseCameraRef(aq.Camera); err == nil {
		aq.Site, aq.Camera = ref.Site, ref.Camera // camera=<site>/<camera>
	}
	switch aq.State {
	case "", alerts.StateFiring, alerts.StateAcknowledged:
	case alerts.StateResolved:
		aq.To = s.o.Now()
		for _, p := range []struct {
			name string
			dst  *time.Time
		}{{"to", &aq.To}, {"from", &aq.From}} {
			if v := q.Get(p.name); v != "" {
				t, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %q is not an RFC3339 time", p.name, v))
					return
				}
				*p.dst = t
			}
		}
		if q.Get("from") == "" {
			aq.From = aq.To.Add(-DefaultHistoryRange)
		}
		if aq.From.After(aq.To) {
			writeError(w, http.StatusBadRequest, "from: is after to")
			return
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("state: %q is not firing, acknowledged or resolved", aq.State))
		return
	}
	list, err := s.o.Alerts.List(r.Context(), aq)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	out := make([]alerts.Alert, 0, len(list))
	for i := range list {
		if s.sees(r, alertObject(&list[i])) {
			out = append(out, list[i])
		}
	}
	writeJSON(w, http.StatusOK, alertList{Alerts: out})
}

// alertObject is an alert as the policy sees it: its camera and labels
// (an agent's alert names no camera: only a whole-network scope sees it).
func alertObject(a *alerts.Alert) auth.Object {
	return auth.Object{Site: a.Site, Camera: a.Camera, Program: a.Labels.Program, Ward: a.Labels.Ward}
}

// alert loads the open alert {key} and asks the policy about it,
// answering itself (404 alike for a missing and an out-of-scope alert).
func (s *server) alert(w http.ResponseWriter, r *http.Request) (*alerts.Alert, bool) {
	a, err := s.o.Alerts.Get(r.Context(), r.PathValue("key"))
	if err != nil {
		s.alertError(w, r, err)
		return nil, false
	}
	if !s.allow(w, r, alertObject(a), "alert not found") {
		return nil, false
	}
	return a, true
}

func (s *server) getAlert(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.alert(w, r); ok {
		writeJSON(w, http.StatusOK, a)
	}
}

// ackBody is the body of ack and resolve; who acts is the signed-in
// actor, never a field.
type ackBody struct {
	Note string `json:"note"`
}

// maxNote bounds notes and comments.
const maxNote = 1000

// decodeBody reads a strict JSON body, answering 400 itself.
func decodeBody(w http.ResponseWriter, r *http.Request, into any) bool {
	if err := decodeJSON(io.LimitReader(r.Body, maxBody), into); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

// decodeJSON decodes exactly one JSON value with no unknown fields and
// nothing after it but white space.
func decodeJSON(rd io.Reader, into any) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func (s *server) ackAlert(w http.ResponseWriter, r *http.Request)     { s.changeAlert(w, r, false) }
func (s *server) resolveAlert(w http.ResponseWriter, r *http.Request) { s.changeAlert(w, r, true) }

func (s *server) changeAlert(w http.ResponseWriter, r *http.Request, resolve bool) {
	var b ackBody
	if !decodeBody(w, r, &b) {
		return
	}
	if len(b.Note) > maxNote {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("note: at most %d bytes", maxNote))
		return
	}
	a, ok := s.alert(w, r)
	if !ok {
		return
	}
	f, action := s.o.Alerts.Acknowledge, "alert.ack"
	if resolve {
		f, action = s.o.Alerts.Resolve, "alert.resolve"
	}
	p, ok := s.begin(w, r, action, "alert:"+a.Key, "camera:"+event.CameraRef{Site: a.Site, Camera: a.Camera}.String())
	if !ok {
		return
	}
	tr, err := f(r.Context(), a.Key, ActorFrom(r.Context()).ID(), strings.TrimSpace(b.Note))
	p.done(err)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tr)
}

type silenceList struct {
	Silences []alerts.Silence `json:"silences"`
}

func (s *server) listSilences(w http.ResponseWriter, r *http.Request) {
	list, err := s.o.Alerts.Silences(r.Context())
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	out := make([]alerts.Silence, 0, len(list))
	for i := range list {
		if s.sees(r, s.silenceObject(r, &list[i])) {
			out = append(out, list[i])
		}
	}
	writeJSON(w, http.StatusOK, silenceList{Silences: out})
}

func (s *server) addSilence(w http.ResponseWriter, r *http.Request) {
	var b alerts.Silence
	if !decodeBody(w, r, &b) {
		return
	}
	switch {
	case b.ID != "":
		writeError(w, http.StatusBadRequest, "id: is assigned by the server")
		return
	case b.By != "":
		writeError(w, http.StatusBadRequest, "by: is the signed-in user; do not send it")
		return
	case len(b.Comment) > maxNote:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("comment: at most %d bytes", maxNote))
		return
	case b.End.IsZero():
		writeError(w, http.StatusBadRequest, "end: required (RFC3339 time the silence ends)")
		return
	case !b.Start.IsZero() && !b.End.After(b.Start):
		writeError(w, http.StatusBadRequest, "end: must be after start")
		return
	case !b.End.After(s.o.Now()):
		writeError(w, http.StatusBadRequest, "end: is in the past")
		return
	}
	if !s.siteOf(w, r, &b.Site, &b.Camera) {
		return
	}
	actor := ActorFrom(r.Context())
	obj := s.silenceObject(r, &b)
	if !s.allow(w, r, obj, "camera, program or ward not found") {
		return
	}
	if err := auth.CheckSilence(actor, b.Start, b.End, s.o.Now()); err != nil {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	list, err := s.o.Alerts.Silences(r.Context())
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	if n := countTarget(list, func(x *alerts.Silence) auth.Object { return silenceTarget(x) }, silenceTarget(&b)); n >= s.o.Access.MaxSilencesPerScope {
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("silences: %d already in force for this target (limit %d, access.max_silences_per_scope)", n, s.o.Access.MaxSilencesPerScope))
		return
	}
	b.By = actor.ID()
	p, ok := s.begin(w, r, "silence.add", targetNames(obj)...)
	if !ok {
		return
	}
	sil, err := s.o.Alerts.AddSilence(r.Context(), b)
	p.done(err)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sil)
}

// silenceTarget is what a silence names (without the camera's labels):
// the key its per-scope cap counts by.
func silenceTarget(x *alerts.Silence) auth.Object {
	return auth.Object{Site: x.Site, Camera: x.Camera, Program: x.Program, Ward: x.Ward}
}

// silenceObject is a silence as the policy sees it: what it names, with
// a named camera's program and ward. A silence naming nothing (all
// alerts) is for a whole-network scope only.
func (s *server) silenceObject(r *http.Request, x *alerts.Silence) auth.Object {
	return s.cameraLabels(r.Context(), silenceTarget(x))
}

// countTarget counts the items naming the same target as t.
func countTarget[T any](list []T, target func(*T) auth.Object, t auth.Object) int {
	n := 0
	for i := range list {
		if target(&list[i]) == t {
			n++
		}
	}
	return n
}

// targetNames names a policy object in audit records.
func targetNames(o auth.Object) []string {
	var out []string
	camera := o.Camera
	if camera != "" && o.Site != "" {
		camera = o.Site + "/" + camera
	}
	for _, p := range []struct{ k, v string }{{"camera", camera}, {"program", o.Program}, {"ward", o.Ward}} {
		if p.v != "" {
			out = append(out, p.k+":"+p.v)
		}
	}
	if out == nil {
		out = []string{"all"}
	}
	return out
}

func (s *server) removeSilence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	list, err := s.o.Alerts.Silences(r.Context())
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	var found *alerts.Silence
	for i := range list {
		if list[i].ID == id {
			found = &list[i]
		}
	}
	if found == nil {
		writeError(w, http.StatusNotFound, "silence not found")
		return
	}
	obj := s.silenceObject(r, found)
	if !s.allow(w, r, obj, "silence not found") {
		return
	}
	p, ok := s.begin(w, r, "silence.remove", append([]string{"silence:" + id}, targetNames(obj)...)...)
	if !ok {
		return
	}
	err = s.o.Alerts.RemoveSilence(r.Context(), id)
	p.done(err)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) armProgram(arm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := r.PathValue("program")
		if !event.ValidToken(p) {
			writeError(w, http.StatusBadRequest, "program: must be 1 to 64 letters, digits, '-' or '_'")
			return
		}
		if !s.allow(w, r, auth.Object{Program: p}, "program not found") {
			return
		}
		f, action := s.o.Alerts.Disarm, "program.disarm"
		if arm {
			f, action = s.o.Alerts.Arm, "program.arm"
		}
		pend, ok := s.begin(w, r, action, "program:"+p)
		if !ok {
			return
		}
		err := f(r.Context(), p)
		pend.done(err)
		if err != nil {
			s.alertError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"program": p, "armed": arm})
	}
}

func (s *server) reloadAlerts(w http.ResponseWriter, r *http.Request) {
	p, ok := s.begin(w, r, "rules.reload", "rules")
	if !ok {
		return
	}
	err := s.o.Alerts.Reload(r.Context())
	p.done(err)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reloaded": true})
}

// alertStream is the SSE feed: "id:" is the alerts-stream sequence, so a
// browser's EventSource resumes with Last-Event-ID and misses nothing. It
// carries only the alerts in the actor's scope, is limited per actor and
// in total, has no write timeout, and checks at every heartbeat that the
// credentials still hold (a logout or a revoked token ends it).
func (s *server) alertStream(w http.ResponseWriter, r *http.Request) {
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	var after uint64
	if last != "" {
		n, err := strconv.ParseUint(last, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Last-Event-ID: %q is not a sequence number", last))
			return
		}
		after = n
	}
	actor := ActorFrom(r.Context())
	id := actor.ID()
	if !s.feeds.acquire(id, s.o.Access.SSEPerUser, s.o.Access.SSETotal) {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("live feeds: at most %d per user and %d in all are open (access.sse_per_user, access.sse_total)",
			s.o.Access.SSEPerUser, s.o.Access.SSETotal))
		return
	}
	defer s.feeds.release(id)
	feed, err := s.o.Alerts.Subscribe(r.Context(), after)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a feed lives longer than write_timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, ": camwatch alerts\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	every := s.o.AlertsHeartbeat
	if every <= 0 {
		every = DefaultAlertsHeartbeat
	}
	hb := time.NewTicker(every)
	defer hb.Stop()
	for {
		var err error
		select {
		case it, ok := <-feed:
			if !ok {
				return // shutdown or feed failure: the client reconnects
			}
			var tr struct {
				Alert alerts.Alert `json:"alert"`
			}
			if json.Unmarshal(it.Data, &tr) != nil || !s.sees(r, alertObject(&tr.Alert)) {
				continue
			}
			_, err = io.WriteString(w, sseFrame(it.Seq, string(it.Kind), it.Data))
		case <-hb.C:
			if a, _, aerr := s.authenticate(r); aerr != nil || a.ID() != id || a.Role != actor.Role || a.Scope.String() != actor.Scope.String() {
				_, _ = io.WriteString(w, "event: signed-out\ndata: {}\n\n")
				_ = rc.Flush()
				return
			}
			_, err = io.WriteString(w, ": heartbeat\n\n")
		case <-r.Context().Done():
			return
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

// sseFrame builds one SSE event so that no field can start another: the
// event name loses any CR or LF, and data (compact JSON from the feed,
// which has none) is split at line ends into data lines, which a client
// joins back.
func sseFrame(seq uint64, kind string, data []byte) string {
	var b strings.Builder
	b.WriteString("id: ")
	b.WriteString(strconv.FormatUint(seq, 10))
	b.WriteString("\nevent: ")
	b.WriteString(strings.NewReplacer("\r", "", "\n", "").Replace(kind))
	for line := range strings.Lines(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n")) {
		b.WriteString("\ndata: ")
		b.WriteString(strings.TrimSuffix(line, "\n"))
	}
	b.WriteString("\n\n")
	return b.String()
}

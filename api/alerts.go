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
		Camera: q.Get("camera"), Rule: q.Get("rule")}
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
	if list == nil {
		list = []alerts.Alert{}
	}
	writeJSON(w, http.StatusOK, alertList{Alerts: list})
}

func (s *server) getAlert(w http.ResponseWriter, r *http.Request) {
	a, err := s.o.Alerts.Get(r.Context(), r.PathValue("key"))
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// ackBody is the body of ack and resolve.
type ackBody struct {
	By   string `json:"by"`
	Note string `json:"note"`
}

// decodeBody reads a strict JSON body, answering 400 itself.
func decodeBody(w http.ResponseWriter, r *http.Request, into any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func (s *server) ackAlert(w http.ResponseWriter, r *http.Request)     { s.changeAlert(w, r, false) }
func (s *server) resolveAlert(w http.ResponseWriter, r *http.Request) { s.changeAlert(w, r, true) }

func (s *server) changeAlert(w http.ResponseWriter, r *http.Request, resolve bool) {
	var b ackBody
	if !decodeBody(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.By) == "" {
		writeError(w, http.StatusBadRequest, "by: required (who takes the alert on)")
		return
	}
	f := s.o.Alerts.Acknowledge
	if resolve {
		f = s.o.Alerts.Resolve
	}
	tr, err := f(r.Context(), r.PathValue("key"), b.By, b.Note)
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
	if list == nil {
		list = []alerts.Silence{}
	}
	writeJSON(w, http.StatusOK, silenceList{Silences: list})
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
	sil, err := s.o.Alerts.AddSilence(r.Context(), b)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sil)
}

func (s *server) removeSilence(w http.ResponseWriter, r *http.Request) {
	if err := s.o.Alerts.RemoveSilence(r.Context(), r.PathValue("id")); err != nil {
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
		f := s.o.Alerts.Disarm
		if arm {
			f = s.o.Alerts.Arm
		}
		if err := f(r.Context(), p); err != nil {
			s.alertError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"program": p, "armed": arm})
	}
}

func (s *server) reloadAlerts(w http.ResponseWriter, r *http.Request) {
	if err := s.o.Alerts.Reload(r.Context()); err != nil {
		s.alertError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reloaded": true})
}

// alertStream is the SSE feed: "id:" is the alerts-stream sequence, so a
// browser's EventSource resumes with Last-Event-ID and misses nothing.
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
	feed, err := s.o.Alerts.Subscribe(r.Context(), after)
	if err != nil {
		s.alertError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
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
			_, err = io.WriteString(w, sseFrame(it.Seq, string(it.Kind), it.Data))
		case <-hb.C:
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

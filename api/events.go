package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Limits of the events query.
const (
	DefaultLimit = 500
	MaxLimit     = 10000
	// DefaultRange is how far back from defaults to when from is not given.
	DefaultRange = time.Hour
)

type eventList struct {
	Site   string         `json:"site"`
	Camera string         `json:"camera"`
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Limit  int            `json:"limit"`
	Events []*event.Event `json:"events"`
	// Truncated is true when more events match than limit; the newest
	// limit are returned.
	Truncated bool `json:"truncated"`
}

type eventQuery struct {
	from, to time.Time
	kinds    []event.Kind
	limit    int
}

// paramError names the query parameter that is wrong.
type paramError struct{ param, msg string }

func (e *paramError) Error() string { return e.param + ": " + e.msg }

// cameraKinds lists the kinds of a camera's events, for the 400 of an
// unknown one.
var cameraKinds = func() string {
	var ks []string
	for _, k := range event.Kinds {
		if k.CameraScoped() {
			ks = append(ks, string(k))
		}
	}
	return strings.Join(ks, ", ")
}()

func parseEventQuery(q url.Values, now time.Time) (eventQuery, error) {
	out := eventQuery{to: now, limit: DefaultLimit}
	if err := parseTimes(q, &out.from, &out.to); err != nil {
		return out, err
	}
	if q.Get("from") == "" {
		out.from = out.to.Add(-DefaultRange)
	}
	if out.from.After(out.to) {
		return out, &paramError{"from", "is after to"}
	}
	for _, v := range q["kind"] {
		for k := range strings.SplitSeq(v, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if !event.Kind(k).Known() {
				return out, &paramError{"kind", fmt.Sprintf("%q is not a known kind (a camera's are %s)", k, cameraKinds)}
			}
			out.kinds = append(out.kinds, event.Kind(k))
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return out, &paramError{"limit", fmt.Sprintf("must be an integer from 1 to %d", MaxLimit)}
		}
		out.limit = n
	}
	return out, nil
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	q, err := parseEventQuery(r.URL.Query(), s.o.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cam, ok := s.pathCamera(w, r)
	if !ok || !s.read(w, r, "events.query", "camera:"+cam.Ref.String()) {
		return
	}
	evs, err := s.o.Store.Events(r.Context(), cam.Ref, q.from, q.to, q.kinds, q.limit+1)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	body := eventList{Site: cam.Site, Camera: cam.ID, From: q.from, To: q.to, Limit: q.limit, Events: evs}
	if len(evs) > q.limit {
		body.Events, body.Truncated = evs[1:], true // oldest first: drop the oldest
	}
	if body.Events == nil {
		body.Events = []*event.Event{}
	}
	writeJSON(w, http.StatusOK, body)
}

// parseTimes reads the from and to parameters (RFC 3339) that are given
// into from and to.
func parseTimes(q url.Values, from, to *time.Time) error {
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"to", to}, {"from", from}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return &paramError{p.name, fmt.Sprintf("%q is not an RFC3339 time", v)}
		}
		*p.dst = t
	}
	return nil
}

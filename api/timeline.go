package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/uptime"
)

// Investigations wires the investigators' routes: the cross-camera
// timeline, clips, cases and evidence bundles. Options.Investigations nil
// answers 404 on all of them.
type Investigations struct {
	// Events reads cameras' accepted events from the events stream.
	Events *evidence.Reader
	// History is the status history coverage is computed from
	// (*uptime.Source), the same the uptime reports read.
	History evidence.HistorySource
	// Clips finds the clip of a motion event (*camstate.Store).
	Clips ClipRefs
	// Evidence runs cases, holds, clips and exports; nil answers 404 on
	// the case, clip and key routes.
	Evidence *evidence.Service
	// Location is the site's zone the console shows times in.
	Location *time.Location
}

// ClipRefs maps a motion event to its clip.
type ClipRefs interface {
	ClipRef(ctx context.Context, motion string) (*camstate.ClipRef, error)
}

// Limits of the timeline.
const (
	// TimelineMaxWindow bounds one timeline query.
	TimelineMaxWindow = 7 * 24 * time.Hour
	// TimelineDefaultLimit and TimelineMaxLimit bound events per camera.
	TimelineDefaultLimit = 2000
	TimelineMaxLimit     = 10000
	// TimelineMaxCameras bounds the cameras of one query.
	TimelineMaxCameras = 500
)

// timelineKinds are what a timeline can show (stats are not marks).
var timelineKinds = []event.Kind{event.KindMotionStart, event.KindMotionEnd, event.KindHealth, event.KindClip}

// timelineQuery is a parsed GET /api/v1/timeline.
type timelineQuery struct {
	programs, wards, cameras []string
	from, to                 time.Time
	kinds                    []event.Kind
	limit                    int
}

// idList reads a repeatable, comma-separated list of ids.
func idList(q url.Values, name string) ([]string, error) {
	var out []string
	for _, v := range q[name] {
		for id := range strings.SplitSeq(v, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if _, err := event.ParseCameraRef(id); !event.ValidToken(id) && (name != "camera" || err != nil) {
				return nil, &paramError{name, fmt.Sprintf("%q is not a valid id", id)}
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
			if len(out) > TimelineMaxCameras {
				return nil, &paramError{name, fmt.Sprintf("at most %d ids", TimelineMaxCameras)}
			}
		}
	}
	return out, nil
}

// parseTimelineQuery reads program, ward, camera (each repeatable or
// comma-separated), from and to (RFC 3339; default the last 24 h), kind
// and limit (events per camera).
func parseTimelineQuery(q url.Values, now time.Time) (timelineQuery, error) {
	out := timelineQuery{to: now, limit: TimelineDefaultLimit}
	var err error
	for _, p := range []struct {
		name string
		dst  *[]string
	}{{"program", &out.programs}, {"ward", &out.wards}, {"camera", &out.cameras}} {
		if *p.dst, err = idList(q, p.name); err != nil {
			return out, err
		}
	}
	if err := parseTimes(q, &out.from, &out.to); err != nil {
		return out, err
	}
	if q.Get("from") == "" {
		out.from = out.to.Add(-24 * time.Hour)
	}
	switch {
	case !out.from.Before(out.to):
		return out, &paramError{"from", "must be before to"}
	case out.to.Sub(out.from) > TimelineMaxWindow:
		return out, &paramError{"to", fmt.Sprintf("the window is longer than %s", TimelineMaxWindow)}
	}
	for _, v := range q["kind"] {
		for k := range strings.SplitSeq(v, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			if !slices.Contains(timelineKinds, event.Kind(k)) {
				return out, &paramError{"kind", fmt.Sprintf("%q is not one of motion.start, motion.end, health, clip", k)}
			}
			if !slices.Contains(out.kinds, event.Kind(k)) {
				out.kinds = append(out.kinds, event.Kind(k))
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > TimelineMaxLimit {
			return out, &paramError{"limit", fmt.Sprintf("must be an integer from 1 to %d", TimelineMaxLimit)}
		}
		out.limit = n
	}
	return out, nil
}

// timelineCamera is one lane of the timeline.
type timelineCamera struct {
	Ref      event.CameraRef     `json:"ref"`
	ID       string              `json:"id"`
	Site     string              `json:"site"`
	Program  string              `json:"program,omitempty"`
	Ward     string              `json:"ward,omitempty"`
	Location string              `json:"location,omitempty"`
	Status   event.Status        `json:"status"`
	Coverage []evidence.Interval `json:"coverage"`
	Seconds  map[string]float64  `json:"seconds"`
	Events   int                 `json:"events"`
	// Truncated: the camera has more events in the window than limit;
	// the oldest limit are shown.
	Truncated bool `json:"truncated,omitempty"`
}

type timelineBody struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	TimeZone string    `json:"time_zone"`
	// Generated: the window starts before the newest generated (not
	// measured) status history, so part of the coverage is made up (the
	// demo's month); told as GET /api/v1/uptime tells it.
	Generated bool             `json:"generated,omitempty"`
	Cameras   []timelineCamera `json:"cameras"`
	// Events stays the last field: writeTimeline splices them in.
	Events []json.RawMessage `json:"events"`
}

// resolveArea returns the cameras of an area (programs, wards, cameras)
// that the actor may see; a named camera the actor may not see, or that
// does not exist, answers 404. An empty area is every camera in scope.
func (s *server) resolveArea(w http.ResponseWriter, r *http.Request, programs, wards, cameras []string) ([]camstate.Camera, bool) {
	all, err := s.o.Store.Cameras(r.Context())
	if err != nil {
		s.internal(w, r, err)
		return nil, false
	}
	// Each named camera is "<site>/<camera>" or a bare id one site uses.
	named := map[event.CameraRef]bool{}
	for _, name := range cameras {
		c, ok := s.camera(w, r, name)
		if !ok {
			return nil, false
		}
		named[c.Ref] = true
	}
	everything := len(programs)+len(wards)+len(cameras) == 0
	var out []camstate.Camera
	for i := range all {
		c := &all[i]
		in := everything || named[c.Ref] || slices.Contains(programs, c.Labels.Program) || slices.Contains(wards, c.Labels.Ward)
		if in && s.sees(r, cameraObject(c)) {
			out = append(out, *c)
		}
	}
	if len(out) > TimelineMaxCameras {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("area: %d cameras, at most %d in one query; name programs, wards or cameras", len(out), TimelineMaxCameras))
		return nil, false
	}
	return out, true
}

func areaObjects(programs, wards, cameras []string) []string {
	var out []string
	for _, p := range programs {
		out = append(out, "program:"+p)
	}
	for _, p := range wards {
		out = append(out, "ward:"+p)
	}
	for _, p := range cameras {
		out = append(out, "camera:"+p)
	}
	if len(out) == 0 {
		out = []string{"scope"}
	}
	return out
}

// timeline serves GET /api/v1/timeline: the events of many cameras in
// time order, and each camera's coverage over the window.
func (s *server) timeline(w http.ResponseWriter, r *http.Request) {
	inv := s.o.Investigations
	if inv == nil || inv.Events == nil || inv.History == nil {
		writeError(w, http.StatusNotFound, "the timeline is not enabled on this aggregator")
		return
	}
	q, err := parseTimelineQuery(r.URL.Query(), s.o.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cams, ok := s.resolveArea(w, r, q.programs, q.wards, q.cameras)
	if !ok {
		return
	}
	objs := append(areaObjects(q.programs, q.wards, q.cameras), "window:"+q.from.UTC().Format(time.RFC3339)+"/"+q.to.UTC().Format(time.RFC3339))
	if !s.read(w, r, "timeline.query", objs...) {
		return
	}
	body, err := buildTimeline(r.Context(), inv, cams, q, s.o.Now())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if s.o.Uptime != nil { // the status history's marker of generated history
		body.Generated = s.generatedIn(r.Context(), s.o.Uptime, q.from)
	}
	writeTimeline(w, body)
}

// writeTimeline writes the answer with the events spliced in as stored:
// they are JSON the store wrote from validated events, and encoding/json
// would re-validate and compact every one (a third of the time of a
// 50-camera day).
func writeTimeline(w http.ResponseWriter, body *timelineBody) {
	events := body.Events
	body.Events = nil
	head, err := json.Marshal(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	n := len(head) + 16
	for _, e := range events {
		n += len(e) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, head[:len(head)-len(`,"events":null}`)]...)
	out = append(out, `,"events":[`...)
	for i, e := range events {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, e...)
	}
	out = append(out, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// buildTimeline reads the cameras' events in one pass over the events
// stream (accepted ones, as the agents sent them) while the coverage is
// computed, and merges them in time order.
func buildTimeline(ctx context.Context, inv *Investigations, cams []camstate.Camera, q timelineQuery, now time.Time) (*timelineBody, error) {
	loc := inv.Location
	if loc == nil {
		loc = time.UTC
	}
	body := &timelineBody{From: q.from, To: q.to, TimeZone: loc.String(), Cameras: make([]timelineCamera, len(cams)), Events: []json.RawMessage{}}
	ids := make([]event.CameraRef, len(cams))
	ecams := make([]evidence.Camera, len(cams))
	for i, c := range cams {
		ids[i] = c.Ref
		ecams[i] = evidence.Camera{ID: c.ID, Site: c.Site, Agent: c.Agent, Program: c.Labels.Program, Ward: c.Labels.Ward}
	}
	span := uptime.Span{From: q.from, To: q.to}
	if span.To.After(now) {
		span.To = now // coverage never counts the future
	}
	var cov []evidence.CameraCoverage
	var herr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if span.Empty() {
			cov = evidence.Coverage(nil, ecams, span)
			return
		}
		h, err := inv.History.Cameras(ctx, ids, span)
		cov, herr = evidence.Coverage(h, ecams, span), err
	}()
	type mark struct {
		t    time.Time
		cam  string
		data []byte
	}
	var marks []mark
	perCam := map[string]int{}
	full, err := inv.Events.Read(ctx, ecams, q.from, q.to, q.kinds, q.limit, func(data []byte, e *event.Event) {
		ref := e.Ref().String()
		marks = append(marks, mark{e.Time, ref, bytes.Clone(data)})
		perCam[ref]++
	})
	<-done
	if err != nil {
		return nil, fmt.Errorf("timeline events: %w", err)
	}
	if herr != nil {
		return nil, fmt.Errorf("timeline coverage: %w", herr)
	}
	for i, c := range cams {
		tc := &body.Cameras[i]
		tc.Ref, tc.ID, tc.Site, tc.Program, tc.Ward, tc.Location, tc.Status = c.Ref, c.ID, c.Site, c.Labels.Program, c.Labels.Ward, c.Labels.Location, c.Status
		tc.Coverage, tc.Seconds = cov[i].Intervals, cov[i].Seconds
		tc.Events, tc.Truncated = perCam[c.Ref.String()], full[c.Ref.String()]
	}
	slices.SortStableFunc(marks, func(a, b mark) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return strings.Compare(a.cam, b.cam)
	})
	body.Events = make([]json.RawMessage, len(marks))
	for i, m := range marks {
		body.Events[i] = m.data
	}
	return body, nil
}

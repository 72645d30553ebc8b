package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/uptime"
)

// UptimeSource reads the history a report needs; *uptime.Source
// implements it.
type UptimeSource interface {
	History(ctx context.Context, w uptime.Span) (*uptime.History, error)
	Camera(ctx context.Context, id event.CameraRef, w uptime.Span) (*uptime.History, error)
}

// Uptime wires the uptime reports: where the history comes from, the
// site's zone for daily series, and the SLA targets from the config.
type Uptime struct {
	Source UptimeSource
	// Maintenance keeps maintenance windows for reports
	// (/api/v1/maintenance); nil answers 404 there.
	Maintenance MaintenanceRecord
	// Location is the default zone of days; nil means Asia/Ho_Chi_Minh.
	Location *time.Location
	// Targets maps a group key (a program) to its SLA target in percent;
	// others get DefaultTarget.
	Targets       map[string]float64
	DefaultTarget float64
	// Generated says until when part of the history is generated (the
	// demo); nil: none is.
	Generated GeneratedHistory
}

// GeneratedHistory tells when the newest generated (not measured) part of
// the status history began; *camstate.Store implements it.
type GeneratedHistory interface {
	GeneratedUntil(ctx context.Context) (time.Time, error)
}

// generatedIn reports whether a window starting at from covers generated
// history; when that cannot be read, it says so in the log and answers
// true (a report must not pass made-up figures as measured).
func (s *server) generatedIn(ctx context.Context, u *Uptime, from time.Time) bool {
	if u.Generated == nil {
		return false
	}
	until, err := u.Generated.GeneratedUntil(ctx)
	if err != nil {
		s.log.Warn("cannot tell whether the history is generated; marking the report as generated", "err", err)
		return true
	}
	return !until.IsZero() && from.Before(until)
}

// uptimeWindows are the named windows of ?window=.
var uptimeWindows = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour}

// uptimeQuery is a parsed request; bad is the message of a 400.
type uptimeQuery struct {
	opts    uptime.Options
	camera  string
	csv     bool
	cameras bool
}

func (s *server) uptimeCSV(w http.ResponseWriter, r *http.Request) { s.uptime(w, r, true) }

func (s *server) uptimeJSON(w http.ResponseWriter, r *http.Request) { s.uptime(w, r, false) }

func (s *server) uptime(w http.ResponseWriter, r *http.Request, csv bool) {
	u := s.o.Uptime
	if u == nil || u.Source == nil {
		writeError(w, http.StatusNotFound, "uptime reports are not enabled on this aggregator")
		return
	}
	q, bad := s.parseUptime(r, u)
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	q.csv = q.csv || csv
	var h *uptime.History
	var err error
	switch _, perr := event.ParseCameraRef(q.camera); {
	case q.camera != "" && perr != nil && s.o.Store == nil:
		// A bare id without a state store to resolve it: the camera of
		// that id in the history, if one site alone has it.
		if h, err = u.Source.History(r.Context(), q.opts.Window); err == nil {
			if !s.oneCamera(w, r, h, q.camera) {
				return
			}
		}
	case q.camera != "":
		ref, ok := s.cameraRef(w, r, q.camera)
		if !ok {
			return
		}
		h, err = u.Source.Camera(r.Context(), ref, q.opts.Window)
	default:
		h, err = u.Source.History(r.Context(), q.opts.Window)
	}
	if errors.Is(err, uptime.ErrNotFound) {
		writeError(w, http.StatusNotFound, "camera "+q.camera+" not found")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if s.scopeHistory(r, h); q.camera != "" && len(h.Cameras) == 0 {
		writeError(w, http.StatusNotFound, "camera "+q.camera+" not found")
		return
	}
	rep, err := uptime.Compute(h, q.opts)
	if err != nil {
		writeError(w, http.StatusBadRequest, "from, to: "+err.Error())
		return
	}
	if sk := rep.Skipped; sk != (uptime.Skipped{}) {
		s.log.Warn("uptime report skipped damaged history", "transitions", sk.Transitions, "spans", sk.Spans, "cameras", sk.Cameras)
	}
	sum := rep.Summary(q.cameras)
	sum.Generated = s.generatedIn(r.Context(), u, q.opts.Window.From)
	if q.camera != "" && q.cameras {
		rep.WithOutages(sum)
	}
	if !q.csv {
		writeJSON(w, http.StatusOK, sum)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=uptime-%s-%s.csv", sum.GroupBy, sum.From.In(q.opts.Location).Format("20060102")))
	w.Header().Set("Cache-Control", "no-store")
	_ = uptime.WriteCSV(w, sum, q.cameras) // the client went away
}

// oneCamera keeps in h the camera of bare id that the actor may see,
// answering 404 (none) or 409 (several sites have it) itself.
func (s *server) oneCamera(w http.ResponseWriter, r *http.Request, h *uptime.History, id string) bool {
	var sites []string
	h.Cameras = slices.DeleteFunc(h.Cameras, func(c uptime.Camera) bool {
		keep := c.ID == id && s.sees(r, auth.Object{Site: c.Site, Camera: c.ID, Program: c.Labels.Program, Ward: c.Labels.Ward})
		if keep {
			sites = append(sites, c.Site)
		}
		return !keep
	})
	switch len(sites) {
	case 0:
		writeError(w, http.StatusNotFound, "camera "+id+" not found")
		return false
	case 1:
		return true
	}
	writeError(w, http.StatusConflict, "camera "+id+" is at several sites ("+strings.Join(sites, ", ")+"): name one as <site>/"+id)
	return false
}

// scopeHistory keeps the cameras of h that the actor's scope covers, so
// every report, group and CSV row is computed from those alone.
func (s *server) scopeHistory(r *http.Request, h *uptime.History) {
	h.Cameras = slices.DeleteFunc(h.Cameras, func(c uptime.Camera) bool {
		return !s.sees(r, auth.Object{Site: c.Site, Camera: c.ID, Program: c.Labels.Program, Ward: c.Labels.Ward})
	})
}

// parseUptime reads group, window, from, to, tz, format, rows and camera;
// a non-empty second result names the bad parameter.
func (s *server) parseUptime(r *http.Request, u *Uptime) (uptimeQuery, string) {
	v := r.URL.Query()
	q := uptimeQuery{opts: uptime.Options{GroupBy: uptime.GroupProgram, Targets: u.Targets, DefaultTarget: u.DefaultTarget, Location: u.Location}}
	if g := v.Get("group"); g != "" {
		grp, err := uptime.ParseGroup(g)
		if err != nil {
			return q, "group: " + err.Error()
		}
		q.opts.GroupBy = grp
	}
	if tz := v.Get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return q, fmt.Sprintf("tz: %q is not a known time zone", tz)
		}
		q.opts.Location = loc
	}
	if q.opts.Location == nil {
		loc, err := time.LoadLocation(uptime.DefaultTimeZone)
		if err != nil {
			loc = time.FixedZone("ICT", 7*60*60)
		}
		q.opts.Location = loc
	}
	now := s.o.Now()
	to := now
	if raw := v.Get("to"); raw != "" {
		t, ok := parseWhen(raw, q.opts.Location)
		if !ok {
			return q, "to: want RFC 3339 (2025-06-01T00:00:00+07:00) or a date (2025-06-01)"
		}
		to = t
	}
	from := time.Time{}
	if raw := v.Get("from"); raw != "" {
		t, ok := parseWhen(raw, q.opts.Location)
		if !ok {
			return q, "from: want RFC 3339 (2025-06-01T00:00:00+07:00) or a date (2025-06-01)"
		}
		from = t
	}
	switch win := v.Get("window"); {
	case win != "" && !from.IsZero():
		return q, "window: give either window or from, not both"
	case win != "":
		d, ok := uptimeWindows[win]
		if !ok {
			return q, fmt.Sprintf("window: %q is not one of 24h, 7d, 30d, 90d", win)
		}
		from = to.Add(-d)
	case from.IsZero():
		from = to.Add(-24 * time.Hour)
	}
	if !from.Before(to) {
		return q, "from: must be before to"
	}
	if !from.Before(now) {
		return q, fmt.Sprintf("from: %s is not before now (%s): nothing has been measured yet", from.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	// A window ending after now is measured up to now only (measured_to).
	q.opts.Now = now
	if to.Sub(from) > uptime.MaxWindow {
		return q, fmt.Sprintf("from: the window may be at most %d days", int(uptime.MaxWindow/(24*time.Hour)))
	}
	q.opts.Window = uptime.Span{From: from, To: to}
	switch f := v.Get("format"); f {
	case "", "json":
	case "csv":
		q.csv = true
	default:
		return q, fmt.Sprintf("format: %q is not json or csv", f)
	}
	switch rows := v.Get("rows"); rows {
	case "", "groups":
	case "cameras":
		q.cameras = true
	default:
		return q, fmt.Sprintf("rows: %q is not groups or cameras", rows)
	}
	if c := v.Get("camera"); c != "" {
		if _, err := event.ParseCameraRef(c); err != nil && !event.ValidToken(c) {
			return q, "camera: must be <site>/<camera> or a camera id, each 1 to 64 letters, digits, '-' or '_'"
		}
		q.camera = c
	}
	return q, ""
}

// parseWhen reads an RFC 3339 time or a local date (midnight in loc).
func parseWhen(raw string, loc *time.Location) (time.Time, bool) {
	raw = strings.TrimSpace(raw)
	if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, raw, loc); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// scorecard serves GET /api/v1/uptime/scorecard?program=&window=|from=&to=:
// the program's uptime line plus, when alerts run, the alerts handled.
func (s *server) scorecard(w http.ResponseWriter, r *http.Request) {
	u := s.o.Uptime
	if u == nil || u.Source == nil {
		writeError(w, http.StatusNotFound, "uptime reports are not enabled on this aggregator")
		return
	}
	v := r.URL.Query()
	program := v.Get("program")
	if program == "" {
		writeError(w, http.StatusBadRequest, "program: required")
		return
	}
	for _, p := range []string{"group", "rows", "camera"} {
		if v.Has(p) {
			writeError(w, http.StatusBadRequest, p+": not a scorecard parameter")
			return
		}
	}
	q, bad := s.parseUptime(r, u)
	if bad == "" && q.csv {
		bad = "format: the scorecard is served as JSON only"
	}
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	h, err := u.Source.History(r.Context(), q.opts.Window)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.scopeHistory(r, h)
	rep, err := uptime.Compute(h, q.opts)
	if err != nil {
		writeError(w, http.StatusBadRequest, "from, to: "+err.Error())
		return
	}
	var handled *uptime.AlertsHandled
	ah := s.o.AlertHistory
	alertsOn := ah != nil
	if alertsOn {
		trs, err := ah.History(r.Context(), q.opts.Window.From, q.opts.Window.To)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		trs = slices.DeleteFunc(trs, func(t alerts.Transition) bool { return !s.sees(r, alertObject(&t.Alert)) })
		handled = uptime.CountAlerts(trs, program, q.opts.Window)
	}
	sc, err := uptime.NewScorecard(rep, program, handled, alertsOn)
	if errors.Is(err, uptime.ErrNoProgram) {
		writeError(w, http.StatusNotFound, "program: "+err.Error())
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sc.Generated = s.generatedIn(r.Context(), u, q.opts.Window.From)
	writeJSON(w, http.StatusOK, sc)
}

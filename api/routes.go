package api

import (
	"context"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/console"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
)

// Store is what the API reads; ingest.Timeline implements it (camera
// state from camstate, the events from the events stream).
type Store interface {
	Cameras(ctx context.Context) ([]camstate.Camera, error)
	Camera(ctx context.Context, ref event.CameraRef) (*camstate.Camera, error)
	// Resolve lists the cameras of one id at every site, for bare ids.
	Resolve(ctx context.Context, id string) ([]event.CameraRef, error)
	Events(ctx context.Context, camera event.CameraRef, from, to time.Time, kinds []event.Kind, limit int) ([]*event.Event, error)
}

// Check reports whether one dependency is usable; nil means ready.
type Check func(ctx context.Context) error

// Options wire the handler. Optional parts are their own fields: a nil
// one turns its routes off (with the answer each route documents), never
// discovered by type assertion on another field.
type Options struct {
	Store Store
	// Snapshots serves the snapshot JPEGs; nil answers 404 for each.
	Snapshots SnapshotStore
	// Checks are run by /readyz, by name (e.g. "nats", "redis").
	Checks map[string]Check
	// Metrics serves /metrics (promhttp.HandlerFor the registry).
	Metrics http.Handler
	Logger  *slog.Logger
	// Uptime serves /api/v1/uptime; nil answers 404 there.
	Uptime *Uptime
	// Now is the clock for default time ranges; default time.Now.
	Now func() time.Time
	// Alerts serves /api/v1/alerts, silences and arming; nil answers 503.
	Alerts Alerts
	// AlertHistory gives scorecards the alerts handled in a window; nil
	// serves scorecards without them (alerts_enabled false).
	AlertHistory AlertHistory
	// MaintenanceAlerts mutes the alerts of a maintenance window while it
	// lasts; nil only records windows for the uptime reports.
	MaintenanceAlerts MaintenanceAlerts
	// Rules serves the rules in force and the arm state (GET
	// /api/v1/rules); nil answers 503 there.
	Rules RulesSource
	// AlertsHeartbeat is the SSE feed's keep-alive period; default 15s.
	AlertsHeartbeat time.Duration
	// Auth checks credentials; nil refuses every route that is not open.
	Auth Authenticator
	// Users manages accounts and API tokens (admins); nil answers 503
	// on the users and tokens routes.
	Users Users
	// Audit records every change and sensitive read; nil refuses them
	// (fail closed), answering 503.
	Audit Auditor
	// Access is the HTTP side of the policy (origins, hosts, limits).
	Access Access
	// Programs names wards, programs and cameras (vi, en); nil knows no
	// names and the console shows ids.
	Programs *programs.Directory
	// Motion gives the program review its motion starts; nil prints the
	// review without them (and says so).
	Motion MotionSource

	// ConsoleNotice is a banner on every console page (the demo's
	// "this history is generated"); nil shows none.
	ConsoleNotice *console.Notice

	// Investigations serves the timeline, clips, cases and evidence
	// bundles; nil answers 404 there.
	Investigations *Investigations

	// noChecks skips authentication and authorization (every request is
	// an admin's): only this package's benchmark sets it, to measure what
	// the checks cost.
	noChecks bool
}

// AlertHistory reads stored alert transitions; *alerts.Store implements
// it.
type AlertHistory interface {
	History(ctx context.Context, from, to time.Time) ([]alerts.Transition, error)
}

// MaintenanceAlerts mutes the alerts of maintenance windows
// (*alerts.Runner implements it). Both calls are idempotent by window id.
type MaintenanceAlerts interface {
	AddMaintenance(ctx context.Context, m alerts.Maintenance) (string, error)
	RemoveMaintenance(ctx context.Context, id string) error
}

type server struct {
	o     Options
	log   *slog.Logger
	feeds feeds
	// mux serves the route table; noRoute asks it which methods a path
	// has.
	mux *http.ServeMux
}

// route is one entry of the route table: the method and path pattern, the
// permission a caller needs, and the handler.
type route struct {
	pattern string
	perm    auth.Permission
	handler http.HandlerFunc
}

// routes is the one route table of the aggregator's HTTP side: every path
// it serves, each with the permission it needs. Handlers of routes on
// objects (a camera, an alert, a silence) also ask the policy about the
// object itself (scope).
func (s *server) routes() []route {
	c := console.New(consoleOptions(s.o))
	return []route{
		{"GET /healthz", auth.Open, s.healthz},
		{"GET /readyz", auth.Open, s.readyz},
		{"GET /metrics", auth.MetricsRead, s.metrics},

		{"POST /api/v1/session", auth.Open, s.login},
		{"GET /api/v1/session", auth.Signed, s.whoami},
		{"DELETE /api/v1/session", auth.Signed, s.logout},
		{"POST /api/v1/session/password", auth.Signed, s.changePassword},
		{"GET /api/v1/audit", auth.AuditRead, s.listAudit},

		{"GET /api/v1/users", auth.UsersManage, s.usersOr(s.listUsers)},
		{"POST /api/v1/users", auth.UsersManage, s.usersOr(s.addUser)},
		{"POST /api/v1/users/{name}/role", auth.UsersManage, s.usersOr(s.setUserRole)},
		{"POST /api/v1/users/{name}/disable", auth.UsersManage, s.usersOr(s.setUserDisabled(true))},
		{"POST /api/v1/users/{name}/enable", auth.UsersManage, s.usersOr(s.setUserDisabled(false))},
		{"POST /api/v1/users/{name}/password", auth.UsersManage, s.usersOr(s.resetPassword)},
		{"GET /api/v1/tokens", auth.TokensManage, s.usersOr(s.listTokens)},
		{"POST /api/v1/tokens", auth.TokensManage, s.usersOr(s.createToken)},
		{"DELETE /api/v1/tokens/{id}", auth.TokensManage, s.usersOr(s.revokeToken)},

		{"GET /api/v1/programs", auth.CamerasRead, s.listPrograms},
		{"GET /api/v1/cameras", auth.CamerasRead, s.listCameras},
		// A camera is (site, camera): ids are unique per site only. The
		// bare-id forms serve an id one site uses and answer 409 naming
		// the sites of one that several use.
		{"GET /api/v1/sites/{site}/cameras/{camera}", auth.CamerasRead, s.getCamera},
		{"GET /api/v1/sites/{site}/cameras/{camera}/events", auth.EventsRead, s.listEvents},
		{"GET /api/v1/cameras/{id}", auth.CamerasRead, s.getCamera},
		{"GET /api/v1/cameras/{id}/events", auth.EventsRead, s.listEvents},
		{"GET /api/v1/events/{id}/snapshot", auth.SnapshotsRead, s.getSnapshot},

		// Dedup keys contain '/', so {key} is the key with each '/'
		// escaped as %2F (the mux matches escaped segments).
		{"GET /api/v1/alerts", auth.AlertsRead, s.alertsOr(s.listAlerts)},
		{"GET /api/v1/alerts/stream", auth.AlertsRead, s.alertsOr(s.alertStream)},
		{"POST /api/v1/alerts/reload", auth.RulesReload, s.alertsOr(s.reloadAlerts)},
		{"GET /api/v1/rules", auth.AlertsRead, s.listRules},
		{"GET /api/v1/alerts/{key}", auth.AlertsRead, s.alertsOr(s.getAlert)},
		{"POST /api/v1/alerts/{key}/ack", auth.AlertsHandle, s.alertsOr(s.ackAlert)},
		{"POST /api/v1/alerts/{key}/resolve", auth.AlertsHandle, s.alertsOr(s.resolveAlert)},
		{"GET /api/v1/silences", auth.SilencesRead, s.alertsOr(s.listSilences)},
		{"POST /api/v1/silences", auth.SilencesWrite, s.alertsOr(s.addSilence)},
		{"DELETE /api/v1/silences/{id}", auth.SilencesWrite, s.alertsOr(s.removeSilence)},
		{"POST /api/v1/programs/{program}/arm", auth.ProgramsArm, s.alertsOr(s.armProgram(true))},
		{"POST /api/v1/programs/{program}/disarm", auth.ProgramsArm, s.alertsOr(s.armProgram(false))},

		{"GET /api/v1/maintenance", auth.MaintenanceRead, s.maintenanceOr(s.listMaintenance)},
		{"POST /api/v1/maintenance", auth.MaintenanceWrite, s.maintenanceOr(s.addMaintenance)},
		{"DELETE /api/v1/maintenance/{id}", auth.MaintenanceWrite, s.maintenanceOr(s.deleteMaintenance)},

		{"GET /api/v1/timeline", auth.TimelineRead, s.timeline},
		{"GET /api/v1/events/{id}/clip", auth.ClipsRead, s.evidenceOr(s.getClip)},
		{"GET /api/v1/cases", auth.CasesRead, s.evidenceOr(s.listCases)},
		{"POST /api/v1/cases", auth.CasesWrite, s.evidenceOr(s.openCase)},
		{"GET /api/v1/cases/{id}", auth.CasesRead, s.evidenceOr(s.getCase)},
		{"POST /api/v1/cases/{id}/close", auth.CasesClose, s.evidenceOr(s.closeCase)},
		{"POST /api/v1/cases/{id}/export", auth.EvidenceExport, s.evidenceOr(s.exportCase)},
		// The public key is public: a court verifies without an account.
		{"GET /api/v1/evidence/key", auth.Open, s.evidenceOr(s.evidenceKey)},

		{"GET /api/v1/uptime", auth.UptimeRead, s.uptimeJSON},
		{"GET /api/v1/uptime.csv", auth.UptimeRead, s.uptimeCSV},
		{"GET /api/v1/uptime/scorecard", auth.UptimeRead, s.scorecard},
		{"GET /api/v1/review", auth.UptimeRead, s.reviewPage},

		{"GET /{$}", auth.Open, c.Root},
		{"GET " + console.Prefix + "config.json", auth.Open, c.Config},
		{"GET " + console.Prefix, auth.Open, c.Assets},
		{"/", auth.Open, s.noRoute},
	}
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "no such route")
}

// probeMethods are the methods noRoute tries a path with.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodDelete}

// noRoute answers what no route serves: 405 with Allow when the path is
// served with other methods (a POST to a GET route is not a missing
// route), else 404. The catch-all "/" takes every path the mux would
// answer 405 for itself, in plain text, so it asks the mux again.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	if s.mux != nil {
		for _, m := range probeMethods {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
	}
	if len(allow) == 0 {
		notFound(w, r)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, http.StatusMethodNotAllowed, "method: "+r.Method+" is not served on "+r.URL.Path+" (only "+strings.Join(allow, ", ")+")")
}

// New returns the handler with every route of the aggregator. It panics
// on a route without a declared permission: that is a programming error
// the permission-matrix test also catches.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = http.NotFoundHandler()
	}
	if o.Auth == nil {
		o.Auth = noAuth{}
	}
	o.Access.defaults()
	mux := http.NewServeMux()
	s := &server{o: o, log: o.Logger, mux: mux}
	for _, rt := range s.routes() {
		if !rt.perm.Declared() {
			panic(fmt.Sprintf("api: route %q declares no permission", rt.pattern))
		}
		mux.HandleFunc(rt.pattern, s.guard(rt))
	}
	return mux
}

package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/camwatch/camwatch/console"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/ingest"
)

// Store is what the API reads; *ingest.Store implements it.
type Store interface {
	Cameras(ctx context.Context) ([]ingest.Camera, error)
	Camera(ctx context.Context, id string) (*ingest.Camera, error)
	Events(ctx context.Context, camera string, from, to time.Time, kinds []event.Kind, limit int) ([]*event.Event, error)
}

// Check reports whether one dependency is usable; nil means ready.
type Check func(ctx context.Context) error

// Options wire the handler.
type Options struct {
	Store Store
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
	// AlertsHeartbeat is the SSE feed's keep-alive period; default 15s.
	AlertsHeartbeat time.Duration
}

type server struct {
	o   Options
	log *slog.Logger
}

// New returns the handler with every route of the aggregator.
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
	s := &server{o: o, log: o.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", o.Metrics)
	mux.HandleFunc("GET /api/v1/cameras", s.listCameras)
	mux.HandleFunc("GET /api/v1/cameras/{id}", s.getCamera)
	mux.HandleFunc("GET /api/v1/cameras/{id}/events", s.listEvents)
	mux.HandleFunc("GET /api/v1/events/{id}/snapshot", s.getSnapshot)
	mux.HandleFunc("GET /api/v1/uptime", s.uptimeJSON)
	mux.HandleFunc("GET /api/v1/uptime.csv", s.uptimeCSV)
	mux.HandleFunc("GET /api/v1/uptime/scorecard", s.scorecard)
	s.alertRoutes(mux)
	s.maintenanceRoutes(mux)
	console.Mount(mux, consoleOptions(o)) // GET / and GET /console/...
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route")
	})
	return mux
}

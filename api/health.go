package api

import (
	"context"
	"net/http"
	"time"
)

// healthz says the process serves HTTP; it checks nothing else, so that
// an orchestrator does not restart the aggregator for a Redis outage.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// readyz runs every check; 503 names the ones that failed.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body := readiness{Ready: true, Checks: map[string]string{}}
	for name, check := range s.o.Checks {
		if err := check(ctx); err != nil {
			body.Ready = false
			body.Checks[name] = err.Error()
			continue
		}
		body.Checks[name] = "ok"
	}
	status := http.StatusOK
	if !body.Ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
}

// metrics serves /metrics on the API listener (see Options.Metrics).
func (s *server) metrics(w http.ResponseWriter, r *http.Request) { s.o.Metrics.ServeHTTP(w, r) }

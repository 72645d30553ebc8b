package edge

import (
	"encoding/json"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthz is the agent's self-report for probes and humans: up as long
// as the process serves it; the figures say whether it is useful.
type healthz struct {
	Agent   string `json:"agent"`
	Version string `json:"version"`
	Cameras int    `json:"cameras"`
	Online  int    `json:"online"`
	NATS    string `json:"nats"`
	Backlog int64  `json:"backlog"`
	Dropped uint64 `json:"dropped"`
}

func httpHandler(o Options, sups []*Supervisor, sp spoolStats, nc *nats.Conn) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		h := healthz{Agent: o.Agent, Version: o.Version, Cameras: len(sups), NATS: nc.Status().String(),
			Backlog: sp.Backlog(), Dropped: sp.Dropped()}
		for _, s := range sups {
			if s.Online() {
				h.Online++
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(h)
	})
	return mux
}

package aggregator

import (
	"context"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// gauges are the sampled metrics: what is true now, not what happened.
type gauges struct {
	pending  prometheus.Gauge
	cameras  *prometheus.GaugeVec
	programs *prometheus.GaugeVec
}

func newGauges(reg prometheus.Registerer) (*gauges, error) {
	g := &gauges{
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "camwatch_ingest_consumer_pending",
			Help: "Messages the shared consumer has not finished: not yet delivered plus awaiting ack.",
		}),
		cameras: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_cameras",
			Help: "Cameras by status, unknown when their agent is silent.",
		}, []string{"status"}),
		programs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_program_cameras",
			Help: "Cameras by program label and state (online, degraded: online with a picture or detection problem, offline, unknown).",
		}, []string{"program", "status"}),
	}
	for _, c := range []prometheus.Collector{g.pending, g.cameras, g.programs} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register aggregator metrics: %w", err)
		}
	}
	return g, nil
}

// sample runs until ctx ends, measuring every interval.
func (g *gauges) sample(ctx context.Context, every time.Duration, cons jetstream.Consumer, store *camstate.Store, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		g.once(ctx, cons, store, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (g *gauges) once(ctx context.Context, cons jetstream.Consumer, store *camstate.Store, log *slog.Logger) {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if info, err := cons.Info(cctx); err == nil {
		g.pending.Set(float64(info.NumPending) + float64(info.NumAckPending))
	} else if ctx.Err() == nil {
		log.Debug("consumer info", "err", err)
	}
	cams, err := store.Cameras(cctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Debug("camera count", "err", err)
		}
		return
	}
	counts := map[event.Status]int{event.StatusOnline: 0, event.StatusOffline: 0, event.StatusUnknown: 0}
	for _, c := range cams {
		counts[c.Status]++
	}
	for s, n := range counts {
		g.cameras.WithLabelValues(string(s)).Set(float64(n))
	}
	// Per program: every state of every program present, so a dashboard's
	// stacked bars show zeros rather than gaps; programs gone are dropped.
	per := map[string]map[string]int{}
	for _, c := range cams {
		p := c.Labels.Program
		if per[p] == nil {
			per[p] = map[string]int{"online": 0, "degraded": 0, "offline": 0, "unknown": 0}
		}
		st := string(c.Status)
		if c.Status == event.StatusOnline && c.Reason != "" {
			st = "degraded"
		}
		per[p][st]++
	}
	g.programs.Reset()
	for p, m := range per {
		for st, n := range m {
			g.programs.WithLabelValues(p, st).Set(float64(n))
		}
	}
}

package spool

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the spool's counters; they are created per spool so that a
// test can use a fresh registry.
type metrics struct {
	appended    prometheus.Counter
	published   prometheus.Counter
	duplicates  prometheus.Counter
	publishErrs *prometheus.CounterVec
	dropped     prometheus.Counter
	corrupt     *prometheus.CounterVec
	skipped     *prometheus.CounterVec
}

// Label values of publish errors and skipped records, fixed so that the
// label sets stay small.
const (
	errNoStream     = "no_stream"
	errTimeout      = "timeout"
	errDisconnected = "disconnected"
	errOther        = "other"

	skipUndecodable = "undecodable"
	skipRejected    = "rejected"
	skipUnreadable  = "unreadable"

	corruptTail   = "tail"
	corruptRecord = "record"
)

func newMetrics(reg prometheus.Registerer, sp *Spool) (*metrics, error) {
	m := &metrics{
		appended: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_spool_appended_total", Help: "Events accepted into the disk spool.",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_spool_published_total", Help: "Spooled events acknowledged by JetStream for the first time.",
		}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_spool_duplicates_total", Help: "Spooled events JetStream already held (republished after a retry or restart).",
		}),
		publishErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_spool_publish_errors_total", Help: "Failed publish attempts of spooled events, retried later.",
		}, []string{"reason"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_spool_dropped_total", Help: "Unacknowledged events discarded because the spool was full.",
		}),
		corrupt: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_spool_corrupt_total", Help: "Torn or corrupt spool data found: tails cut at open, records unreadable later.",
		}, []string{"where"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_spool_skipped_total", Help: "Spooled events that can never be published, skipped.",
		}, []string{"reason"}),
	}
	for _, r := range []string{errNoStream, errTimeout, errDisconnected, errOther} {
		m.publishErrs.WithLabelValues(r)
	}
	for _, r := range []string{skipUndecodable, skipRejected, skipUnreadable} {
		m.skipped.WithLabelValues(r)
	}
	for _, r := range []string{corruptTail, corruptRecord} {
		m.corrupt.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "camwatch_spool_backlog", Help: "Spooled events not yet acknowledged by JetStream.",
	}, func() float64 { return float64(sp.Backlog()) })
	size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "camwatch_spool_bytes", Help: "Bytes of segment files on disk.",
	}, func() float64 { return float64(sp.Bytes()) })
	for _, c := range []prometheus.Collector{m.appended, m.published, m.duplicates, m.publishErrs, m.dropped, m.corrupt, m.skipped, backlog, size} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register spool metrics (one spool per registry): %w", err)
		}
	}
	return m, nil
}

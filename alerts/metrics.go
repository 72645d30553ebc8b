package alerts

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the runner's Prometheus series. Only the evaluating replica
// sets camwatch_alerts and counts transitions, so a sum over replicas is
// right.
type metrics struct {
	open        *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	ackSeconds  prometheus.Histogram
	delay       prometheus.Histogram
	dropped     *prometheus.CounterVec
	leader      prometheus.Gauge
	feedRefused *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "camwatch_alerts", Help: "Open alerts by rule and state (firing, acknowledged), sampled by the evaluating replica.",
		}, []string{"rule", "state"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_alert_transitions_total", Help: "Alert transitions published, by rule and kind.",
		}, []string{"rule", "kind"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "camwatch_alert_ack_seconds", Help: "Time from an alert firing to its acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(10, 3, 8),
		}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "camwatch_alert_publish_delay_seconds", Help: "Time from a transition's own time (the alert firing, escalating, resolving) to its publication on the alerts stream.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_alert_events_dropped_total", Help: "Events the alerts engine could not use, by reason.",
		}, []string{"reason"}),
		feedRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_alert_feed_refused_total", Help: "Messages on the alerts stream the live feed would not show (unsigned or badly signed, not a transition), by reason; counted once per feed that read them.",
		}, []string{"reason"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "camwatch_alerts_leader", Help: "1 while this replica holds the alerts lease and evaluates.",
		}),
	}
	for _, c := range []prometheus.Collector{m.open, m.transitions, m.ackSeconds, m.delay, m.dropped, m.leader, m.feedRefused} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register alert metrics: %w", err)
		}
	}
	return m, nil
}

// sample sets camwatch_alerts from the open alerts.
func (m *metrics) sample(open []Alert) {
	m.open.Reset()
	// Both states exist at 0 when nothing is open, so a dashboard shows
	// zero rather than no data.
	m.open.WithLabelValues("", string(StateFiring))
	m.open.WithLabelValues("", string(StateAcknowledged))
	for i := range open {
		m.open.WithLabelValues(open[i].Rule, string(open[i].State)).Inc()
	}
}

// published counts transitions that reached the alerts stream.
func (m *metrics) published(trs []Transition) {
	for i := range trs {
		tr := &trs[i]
		m.transitions.WithLabelValues(tr.Alert.Rule, string(tr.Kind)).Inc()
		m.delay.Observe(max(time.Since(tr.At), 0).Seconds())
		if tr.Kind == TransitionAcknowledged && tr.Alert.Ack != nil {
			m.ackSeconds.Observe(tr.Alert.Ack.At.Sub(tr.Alert.FiredAt).Seconds())
		}
	}
}

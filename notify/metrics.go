package notify

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons in camwatch_notifications_failed_total: each is a transition
// that will not be delivered and needs a person.
const (
	// ReasonRejected: the receiver answered with a status that will not
	// change on retry (4xx other than 408/429, or a redirect).
	ReasonRejected = "rejected"
	// ReasonExpired: retried until older than the receiver's max_age.
	ReasonExpired = "expired"
	// ReasonDecode: the message on the alerts stream is not a transition.
	ReasonDecode = "decode"
	// ReasonSubject: the transition's subject names another site, camera
	// or kind than its content.
	ReasonSubject = "subject"
	// ReasonSignature: the transition is not signed by the aggregator's
	// key (forged or altered on the way); it is never delivered.
	ReasonSignature = "signature"
)

// metrics are the notifier's Prometheus collectors.
type metrics struct {
	sent       *prometheus.CounterVec
	failed     *prometheus.CounterVec
	retries    *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	latency    *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_notifications_sent_total",
			Help: "Webhook notifications a receiver accepted with a 2xx.",
		}, []string{"receiver"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_notifications_failed_total",
			Help: "Notifications given up (dead-lettered or dropped), by reason: rejected, expired, decode.",
		}, []string{"receiver", "reason"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_notification_retries_total",
			Help: "Delivery attempts that failed and will be retried (5xx, 408, 429, timeout, connection error).",
		}, []string{"receiver"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_notification_duplicates_total",
			Help: "Transitions not sent because this notifier already sent the same id to the receiver.",
		}, []string{"receiver"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "camwatch_notification_latency_seconds",
			Help:    "Time from the transition to the receiver's 2xx, retries included.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"receiver"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.sent = register(reg, m.sent, &err)
	m.failed = register(reg, m.failed, &err)
	m.retries = register(reg, m.retries, &err)
	m.duplicates = register(reg, m.duplicates, &err)
	m.latency = register(reg, m.latency, &err)
	return m, err
}

// register registers c, or returns the collector already registered under
// the same name, so a notifier restarted in one process keeps counting.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
		if *errp == nil {
			*errp = err
		}
	}
	return c
}

// zero makes every series of a receiver exist from the start (at 0), so
// dashboards and alerts on rates see a receiver before its first failure.
func (m *metrics) zero(receiver string) {
	m.sent.WithLabelValues(receiver)
	m.retries.WithLabelValues(receiver)
	m.duplicates.WithLabelValues(receiver)
	for _, r := range []string{ReasonRejected, ReasonExpired, ReasonDecode, ReasonSignature, ReasonSubject} {
		m.failed.WithLabelValues(receiver, r)
	}
}

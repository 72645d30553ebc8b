package ingest

import (
	"fmt"

	"github.com/camwatch/camwatch/event"
	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a message is dead-lettered; each is a label value of
// camwatch_ingest_invalid_total and the last token of its dead-letter
// subject.
const (
	ReasonTooLarge     = "too_large"     // larger than event.MaxSize
	ReasonMalformed    = "malformed"     // not one JSON object
	ReasonUnknownField = "unknown_field" // a field this build does not know
	ReasonSchema       = "schema"        // a newer (or missing) schema version
	ReasonInvalid      = "invalid"       // decoded, but fails validation
	ReasonSubject      = "subject"       // content and subject disagree
	ReasonMaxDeliver   = "max_deliver"   // Redis kept refusing it
	ReasonFuture       = "future"        // dated beyond the allowed skew ahead
	ReasonSeqJump      = "seq_jump"      // seq advances beyond the bound in one epoch
	ReasonEpoch        = "epoch"         // a spool epoch its agent never announced
)

var reasons = []string{ReasonTooLarge, ReasonMalformed, ReasonUnknownField, ReasonSchema, ReasonInvalid, ReasonSubject, ReasonMaxDeliver, ReasonFuture, ReasonSeqJump, ReasonEpoch}

// Metrics are the ingest counters; one set per process, registered on the
// registerer it is given.
type Metrics struct {
	Events       *prometheus.CounterVec
	Invalid      *prometheus.CounterVec
	Duplicates   prometheus.Counter
	RedisErrors  prometheus.Counter
	BatchSeconds prometheus.Histogram
	// HistoryKept counts events stored in the timeline whose status change
	// was not written into history (too old, or before the camera's first
	// event): a refusal that keeps the event.
	HistoryKept prometheus.Counter
	// Epochs counts events that moved a camera or agent into a new spool
	// epoch, by scope ("camera", "agent").
	Epochs *prometheus.CounterVec
	// Latency is how long after its own time each event was in Redis:
	// the edge-to-Redis latency of a live system (a spool's catch-up
	// shows as the long tail).
	Latency prometheus.Histogram
}

// NewMetrics creates and registers the ingest metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_ingest_events_total",
			Help: "Events newly stored in Redis, by kind.",
		}, []string{"kind"}),
		Invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_ingest_invalid_total",
			Help: "Messages dead-lettered, by reason.",
		}, []string{"reason"}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_ingest_duplicates_total",
			Help: "Events Redis already had (redeliveries and republished events).",
		}),
		RedisErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_ingest_redis_errors_total",
			Help: "Events Redis refused; their messages are redelivered.",
		}),
		HistoryKept: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_ingest_history_refused_total",
			Help: "Late events kept in the timeline but refused a change of status history (older than the lateness bound or before the camera's first event).",
		}),
		Epochs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_ingest_epoch_changes_total",
			Help: "Cameras and agents moved into a new spool epoch (an agent's spool was wiped), by scope.",
		}, []string{"scope"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "camwatch_ingest_event_latency_seconds",
			Help:    "From an event's time to its being stored in Redis.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 16),
		}),
		BatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "camwatch_ingest_batch_seconds",
			Help:    "Time to validate, store and acknowledge one batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	for _, k := range event.Kinds {
		m.Events.WithLabelValues(string(k))
	}
	for _, r := range reasons {
		m.Invalid.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{m.Events, m.Invalid, m.Duplicates, m.RedisErrors, m.BatchSeconds, m.HistoryKept, m.Epochs, m.Latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingest metrics: %w", err)
		}
	}
	return m, nil
}

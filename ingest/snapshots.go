package ingest

import (
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"log/slog"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// SnapshotsStream is the default name of the snapshots stream.
const SnapshotsStream = "CAMWATCH_SNAPSHOTS"

// SnapshotOptions configure the snapshots consumer.
type SnapshotOptions struct {
	// Stream is the snapshots stream (default SnapshotsStream); MaxAge
	// should equal the event retention, Duplicates the events' window.
	Stream     string
	MaxAge     time.Duration
	Duplicates time.Duration
	Replicas   int
	// Durable names the shared consumer; default "camwatch-snapshots".
	Durable string
	// Wait is how many deliveries a snapshot waits for its event to be
	// ingested, WaitDelay apart; defaults 10 and 1s.
	Wait       uint64
	WaitDelay  time.Duration
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// EnsureSnapshotStream creates or updates the snapshots stream:
// camwatch.snapshots.> kept for MaxAge, each message at most
// event.MaxSnapshot bytes.
func EnsureSnapshotStream(ctx context.Context, js jetstream.JetStream, o SnapshotOptions) error {
	o = o.withDefaults()
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        o.Stream,
		Description: "camwatch snapshot JPEGs, message id = the event's id",
		Subjects:    []string{event.SnapshotsSubjectRoot + ".>"},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      o.MaxAge,
		Duplicates:  o.Duplicates,
		MaxMsgSize:  event.MaxSnapshot + 4096,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		Replicas:    o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", o.Stream, err)
	}
	return nil
}

func (o SnapshotOptions) withDefaults() SnapshotOptions {
	if o.Stream == "" {
		o.Stream = SnapshotsStream
	}
	if o.Durable == "" {
		o.Durable = "camwatch-snapshots"
	}
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.Duplicates <= 0 {
		o.Duplicates = 2 * time.Minute
	}
	if o.Wait == 0 {
		o.Wait = 10
	}
	if o.WaitDelay <= 0 {
		o.WaitDelay = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	return o
}

// RunSnapshots consumes the snapshots stream into the store until ctx
// ends: each JPEG under its site, camera and event id (the Nats-Msg-Id),
// with the event retention as TTL, once, and only when the ingested
// event that references it names the sending agent and the JPEG's
// SHA-256. Refused messages (no id, bad subject, not a JPEG, too large,
// wrong digest or agent, a second copy, no event after Wait deliveries)
// are acknowledged, counted by reason and logged once per reason; a
// Redis failure leaves the message for redelivery.
func RunSnapshots(ctx context.Context, js jetstream.JetStream, st *camstate.Store, o SnapshotOptions) error {
	o = o.withDefaults()
	stored := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "camwatch_ingest_snapshots_stored_total", Help: "Snapshot JPEGs stored in Redis.",
	})
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "camwatch_ingest_snapshots_dropped_total", Help: "Snapshot messages rejected, by reason.",
	}, []string{"reason"})
	for _, c := range []prometheus.Collector{stored, dropped} {
		if err := o.Registerer.Register(c); err != nil {
			return fmt.Errorf("snapshots metrics: %w", err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		FilterSubject: event.SnapshotsSubjectRoot + ".>",
		AckWait:       30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("snapshots consumer: %w", err)
	}
	logged := map[string]bool{}
	drop := func(m jetstream.Msg, reason string, err error) {
		dropped.WithLabelValues(reason).Inc()
		if !logged[reason] {
			o.Logger.Warn("snapshot refused (logged once per reason)", "reason", reason, "subject", m.Subject(), "err", err)
			logged[reason] = true
		}
		_ = m.Ack()
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(64, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			o.Logger.Warn("snapshots fetch", "err", err)
			continue
		}
		for m := range batch.Messages() {
			id := m.Headers().Get(jetstream.MsgIDHeader)
			data := m.Data()
			site, agent, camera, subjectOK := event.SnapshotOrigin(m.Subject())
			switch {
			case len(id) < 8 || len(id) > 64 || !event.ValidToken(id):
				drop(m, "id", nil)
			case !subjectOK:
				drop(m, "subject", nil)
			case len(data) > event.MaxSnapshot:
				drop(m, "size", nil)
			case len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8:
				drop(m, "not_jpeg", nil)
			default:
				err := st.PutSnapshot(ctx, site, agent, camera, id, data)
				switch {
				case err == nil:
					stored.Inc()
					_ = m.Ack()
				case errors.Is(err, camstate.ErrSnapshotExists):
					drop(m, "duplicate", err)
				case errors.Is(err, camstate.ErrSnapshotRefused) && strings.Contains(err.Error(), "sha256"):
					drop(m, "digest", err)
				case errors.Is(err, camstate.ErrSnapshotRefused):
					drop(m, "agent", err)
				case errors.Is(err, camstate.ErrSnapshotUnexpected):
					// The event may not be ingested yet: wait for it a while.
					if md, merr := m.Metadata(); merr == nil && md.NumDelivered >= o.Wait {
						drop(m, "no_event", err)
						continue
					}
					_ = m.NakWithDelay(o.WaitDelay)
				default:
					o.Logger.Warn("snapshot not stored; will be redelivered", "err", err)
					_ = m.Nak()
				}
			}
		}
	}
	return nil
}

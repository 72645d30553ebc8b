package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// ErrNoSnapshot: the event has no stored snapshot (never sent, dropped
// at the edge, or past retention).
var ErrNoSnapshot = errors.New("no snapshot")

// SnapshotsStream is the default name of the snapshots stream.
const SnapshotsStream = "CAMWATCH_SNAPSHOTS"

func (k keys) snapshot(id string) string { return k.p + ":snap:" + id }

// snapshotCamera holds "site/camera" of a snapshot, so the API can check
// the camera's scope before it serves the picture.
func (k keys) snapshotCamera(id string) string { return k.p + ":snapcam:" + id }

// Snapshot returns the JPEG stored for event id.
func (s *Store) Snapshot(ctx context.Context, id string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.k.snapshot(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return b, nil
}

// SnapshotCamera returns the site and camera a stored snapshot is of.
func (s *Store) SnapshotCamera(ctx context.Context, id string) (site, camera string, err error) {
	v, err := s.rdb.Get(ctx, s.k.snapshotCamera(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", "", ErrNoSnapshot
	}
	if err != nil {
		return "", "", fmt.Errorf("snapshot %s: %w", id, err)
	}
	site, camera, _ = strings.Cut(v, "/")
	return site, camera, nil
}

// PutSnapshot stores a JPEG for event id of camera (on site) for as long
// as events are kept.
func (s *Store) PutSnapshot(ctx context.Context, id, site, camera string, jpeg []byte) error {
	p := s.rdb.TxPipeline()
	p.Set(ctx, s.k.snapshot(id), jpeg, s.opts.EventRetention)
	p.Set(ctx, s.k.snapshotCamera(id), site+"/"+camera, s.opts.EventRetention)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	return nil
}

// SnapshotOptions configure the snapshots consumer.
type SnapshotOptions struct {
	// Stream is the snapshots stream (default SnapshotsStream); MaxAge
	// should equal the event retention, Duplicates the events' window.
	Stream     string
	MaxAge     time.Duration
	Duplicates time.Duration
	Replicas   int
	// Durable names the shared consumer; default "camwatch-snapshots".
	Durable    string
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
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	return o
}

// RunSnapshots consumes the snapshots stream into the store until ctx
// ends: each JPEG under its event's id (the Nats-Msg-Id), with the event
// retention as TTL. Bad messages (no id, not a JPEG, too large) are
// acknowledged, counted and logged once; a Redis failure leaves the
// message for redelivery.
func RunSnapshots(ctx context.Context, js jetstream.JetStream, st *Store, o SnapshotOptions) error {
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
	drop := func(m jetstream.Msg, reason string) {
		dropped.WithLabelValues(reason).Inc()
		if !logged[reason] {
			o.Logger.Warn("snapshot dropped (logged once per reason)", "reason", reason, "subject", m.Subject())
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
			site, _, camera, subjectOK := event.SnapshotOrigin(m.Subject())
			switch {
			case len(id) < 8 || len(id) > 64 || !event.ValidToken(id):
				drop(m, "id")
			case !subjectOK:
				drop(m, "subject")
			case len(data) > event.MaxSnapshot:
				drop(m, "size")
			case len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8:
				drop(m, "not_jpeg")
			default:
				if err := st.PutSnapshot(ctx, id, site, camera, data); err != nil {
					o.Logger.Warn("snapshot not stored; will be redelivered", "err", err)
					_ = m.Nak()
					continue
				}
				stored.Inc()
				_ = m.Ack()
			}
		}
	}
	return nil
}

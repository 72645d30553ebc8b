package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// at the edge, refused, or past retention).
var ErrNoSnapshot = errors.New("no snapshot")

// Errors of PutSnapshot.
var (
	// ErrSnapshotUnexpected: no ingested event references this snapshot
	// (yet: the event may still be on its way).
	ErrSnapshotUnexpected = errors.New("no event references this snapshot")
	// ErrSnapshotRefused: the snapshot does not match the event that
	// references it (digest, sending agent); it is not stored.
	ErrSnapshotRefused = errors.New("snapshot refused")
	// ErrSnapshotExists: a snapshot is already stored for the event; the
	// first one stays.
	ErrSnapshotExists = errors.New("snapshot already stored")
)

// SnapshotsStream is the default name of the snapshots stream.
const SnapshotsStream = "CAMWATCH_SNAPSHOTS"

// Snapshot returns the JPEG stored for event id.
func (s *Store) Snapshot(ctx context.Context, id string) ([]byte, error) {
	ref, err := s.rdb.Get(ctx, s.k.snapshotRef(id)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	site, camera, _ := strings.Cut(ref, " ")
	b, err := s.rdb.Get(ctx, s.k.snapshot(site, camera, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return b, nil
}

// SnapshotCamera returns the site and camera a snapshot is of, from the
// event that referenced it, so the API can check the camera's scope
// before it serves the picture.
func (s *Store) SnapshotCamera(ctx context.Context, id string) (site, camera string, err error) {
	v, err := s.rdb.Get(ctx, s.k.snapshotRef(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", "", ErrNoSnapshot
	}
	if err != nil {
		return "", "", fmt.Errorf("snapshot %s: %w", id, err)
	}
	site, camera, _ = strings.Cut(v, " ")
	return site, camera, nil
}

// ExpectSnapshots records, for each event that references a snapshot with
// a digest, which agent may send it and its SHA-256, for as long as
// events are kept. The first record of an event id wins (SET NX), so a
// replayed or forged event cannot change what an earlier one expects.
func (s *Store) ExpectSnapshots(ctx context.Context, evs []*event.Event) error {
	n := 0
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range evs {
			if c := e.Clip; c != nil {
				n++
				p.SetNX(ctx, s.k.clipRef(c.Motion), clipRefValue(e), s.opts.EventRetention)
			}
			sn := e.Snapshot
			if sn == nil || sn.SHA256 == "" {
				continue
			}
			n++
			p.SetNX(ctx, s.k.snapshotWant(e.Site, e.Camera, e.ID), e.Agent+" "+sn.SHA256, s.opts.EventRetention)
			p.SetNX(ctx, s.k.snapshotRef(e.ID), e.Site+" "+e.Camera, s.opts.EventRetention)
		}
		return nil
	})
	if n > 0 && err != nil {
		return fmt.Errorf("expect snapshots: %w", err)
	}
	return nil
}

// PutSnapshot stores jpeg, sent by agent on site and camera's subject for
// event id, once (store-if-absent), and only when an ingested event of
// that site, camera and agent names its SHA-256.
func (s *Store) PutSnapshot(ctx context.Context, site, agent, camera, id string, jpeg []byte) error {
	want, err := s.rdb.Get(ctx, s.k.snapshotWant(site, camera, id)).Result()
	if errors.Is(err, redis.Nil) {
		return ErrSnapshotUnexpected
	}
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	wantAgent, wantSum, _ := strings.Cut(want, " ")
	if wantAgent != agent {
		return fmt.Errorf("%w: sent by agent %s, the event's agent is %s", ErrSnapshotRefused, agent, wantAgent)
	}
	sum := sha256.Sum256(jpeg)
	if got := hex.EncodeToString(sum[:]); got != wantSum {
		return fmt.Errorf("%w: sha256 %s, the event says %s", ErrSnapshotRefused, got, wantSum)
	}
	ok, err := s.rdb.SetNX(ctx, s.k.snapshot(site, camera, id), jpeg, s.opts.EventRetention).Result()
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	if !ok {
		return ErrSnapshotExists
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
				case errors.Is(err, ErrSnapshotExists):
					drop(m, "duplicate", err)
				case errors.Is(err, ErrSnapshotRefused) && strings.Contains(err.Error(), "sha256"):
					drop(m, "digest", err)
				case errors.Is(err, ErrSnapshotRefused):
					drop(m, "agent", err)
				case errors.Is(err, ErrSnapshotUnexpected):
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

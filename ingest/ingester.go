package ingest

import (
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/deadletter"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/lograte"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers set on a dead-lettered message, next to the original data
// (see package deadletter).
const (
	HeaderReason  = deadletter.HeaderReason
	HeaderError   = deadletter.HeaderError
	HeaderSubject = deadletter.HeaderSubject
	HeaderSeq     = deadletter.HeaderSeq
)

// IngesterOptions wire an Ingester.
type IngesterOptions struct {
	// Consumer is the shared durable pull consumer (EnsureConsumer).
	Consumer jetstream.Consumer
	// JS publishes dead letters.
	JS      jetstream.JetStream
	Store   *camstate.Store
	Metrics *Metrics
	Logger  *slog.Logger
	// Batch is how many messages are handled per Redis round trip.
	Batch int
	// MaxDeliver is the consumer's; on the last delivery a message Redis
	// still refuses is dead-lettered instead of lost.
	MaxDeliver int
	// MaxSkew is how far an event's time may be ahead of the time the
	// stream stored it; later ones are dead-lettered (reason "future").
	// Default event.DefaultMaxSkew.
	MaxSkew time.Duration
	// unchecked skips the subject and skew checks: the benchmark's peer.
	unchecked bool
	// RetryDelay is the first NAK delay after a Redis error; it doubles
	// per delivery up to 30s. Default 1s.
	RetryDelay time.Duration
	// StoreTimeout bounds one batch's Redis work; default 10s.
	StoreTimeout time.Duration
	// Workers is how many fetch-and-store loops share the consumer in this
	// process, so that one validates and acks while another waits for
	// Redis; default 2. Events of one camera may then be stored out of
	// order, which the seq check already handles (the older one is late).
	Workers int
}

// Ingester pulls batches from the shared consumer and stores them. Several
// ingesters, in one process or many, may share the consumer: JetStream
// hands each message to one of them, and Redis drops any repeat.
type Ingester struct {
	o    IngesterOptions
	log  *slog.Logger
	once *lograte.Limiter
}

// NewIngester returns an ingester; Run starts it.
func NewIngester(o IngesterOptions) *Ingester {
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = 10 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Ingester{o: o, log: o.Logger, once: lograte.New(time.Minute)}
}

// Run consumes until ctx ends. Messages already fetched are still handled
// then, so a clean stop leaves nothing waiting for its ack timeout. It
// returns nil after ctx ends, or the error that stopped consuming.
func (in *Ingester) Run(ctx context.Context) error {
	errs := make(chan error, in.o.Workers)
	for range in.o.Workers {
		go func() { errs <- in.work(ctx) }()
	}
	var first error
	for range in.o.Workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// work is one fetch-and-store loop; it restarts consuming after errors
// NATS recovers from.
func (in *Ingester) work(ctx context.Context) error {
	for {
		err := in.consume(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("consume: %w", err)
		}
		in.warn("consume", "consuming stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (in *Ingester) consume(ctx context.Context) error {
	it, err := in.o.Consumer.Messages(jetstream.PullMaxMessages(2 * in.o.Batch))
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Drain)
	defer stop()
	batch := make([]jetstream.Msg, 0, in.o.Batch)
	for {
		batch = batch[:0]
		m, err := it.Next()
		for err == nil {
			batch = append(batch, m)
			if len(batch) == in.o.Batch {
				break
			}
			m, err = it.Next(jetstream.NextMaxWait(2 * time.Millisecond))
			if errors.Is(err, nats.ErrTimeout) {
				err = nil
				break
			}
		}
		if len(batch) > 0 {
			in.handle(ctx, batch)
		}
		switch {
		case err == nil:
		case errors.Is(err, jetstream.ErrMsgIteratorClosed):
			return err
		default:
			// Missed heartbeats while NATS reconnects: the iterator
			// resumes by itself.
			in.warn("next", "waiting for messages", "err", err)
		}
	}
}

// handle stores one batch and settles every message: ack what Redis has
// or what was dead-lettered, NAK the rest for a later retry.
func (in *Ingester) handle(ctx context.Context, msgs []jetstream.Msg) {
	start := time.Now()
	defer func() { in.o.Metrics.BatchSeconds.Observe(time.Since(start).Seconds()) }()

	evs := make([]*event.Event, 0, len(msgs))
	held := make([]jetstream.Msg, 0, len(msgs))
	raws := make([][]byte, 0, len(msgs))
	storedAt := make([]time.Time, 0, len(msgs))
	for _, m := range msgs {
		var stored time.Time
		if md, err := m.Metadata(); err == nil {
			stored = md.Timestamp
		}
		e, reason, err := in.check(m.Subject(), m.Data(), stored)
		if reason != "" {
			in.reject(ctx, m, reason, err)
			continue
		}
		evs = append(evs, e)
		held = append(held, m)
		raws = append(raws, m.Data())
		storedAt = append(storedAt, stored)
	}
	if len(evs) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.o.StoreTimeout)
	defer cancel()
	res, err := in.o.Store.ApplyMessages(sctx, evs, raws, storedAt)
	if err != nil {
		res = make([]camstate.Result, len(evs))
		for i := range res {
			res[i].Err = err
		}
	}
	in.expectSnapshots(sctx, evs, res)
	failed := false
	now := time.Now()
	for i, r := range res {
		m, e := held[i], evs[i]
		switch r.Outcome {
		case camstate.OutcomeStored, camstate.OutcomeLate, camstate.OutcomeNewEpoch, camstate.OutcomeHistoryKept:
			in.o.Metrics.Latency.Observe(max(0, now.Sub(e.Time).Seconds()))
		}
		switch r.Outcome {
		case camstate.OutcomeStored, camstate.OutcomeLate:
			in.o.Metrics.Events.WithLabelValues(string(e.Kind)).Inc()
			in.ack(m)
		case camstate.OutcomeHistoryKept:
			in.o.Metrics.Events.WithLabelValues(string(e.Kind)).Inc()
			in.o.Metrics.HistoryKept.Inc()
			in.warn("history:"+e.Site+"/"+e.Camera, "late event kept in the timeline; too old, or dated before the camera's first event, to change its status history",
				"site", e.Site, "agent", e.Agent, "camera", e.Camera, "event", e.ID, "time", e.Time)
			in.ack(m)
		case camstate.OutcomeNewEpoch:
			in.o.Metrics.Events.WithLabelValues(string(e.Kind)).Inc()
			scope := "camera"
			if !e.Kind.CameraScoped() {
				scope = "agent"
				in.log.Warn("agent announced a new spool epoch: its spool was wiped or replaced, its seqs start again",
					"site", e.Site, "agent", e.Agent, "epoch", e.Epoch)
			}
			in.o.Metrics.Epochs.WithLabelValues(scope).Inc()
			in.ack(m)
		case camstate.OutcomeSeqJump:
			in.reject(ctx, m, ReasonSeqJump, fmt.Errorf("seq %d advances beyond the bound of %d within spool epoch %q", e.Seq, in.o.Store.MaxSeqAdvance(), e.Epoch))
		case camstate.OutcomeUnannounced:
			in.unannounced(ctx, m, e)
		case camstate.OutcomeDuplicate:
			in.o.Metrics.Duplicates.Inc()
			in.ack(m)
		default:
			failed = true
			in.o.Metrics.RedisErrors.Inc()
			in.warn("redis", "redis refused events; they will be redelivered", "err", r.Err)
			in.retry(ctx, m, r.Err)
		}
	}
	if failed {
		in.waitForRedis(ctx)
	}
}

// retry NAKs a message Redis refused, or dead-letters it on its last
// delivery so that it is kept somewhere.
func (in *Ingester) retry(ctx context.Context, m jetstream.Msg, cause error) {
	delivered := uint64(1)
	if md, err := m.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	if in.o.MaxDeliver > 0 && delivered >= uint64(in.o.MaxDeliver) {
		in.reject(ctx, m, ReasonMaxDeliver, cause)
		return
	}
	d := in.o.RetryDelay << min(delivered-1, 5)
	if err := m.NakWithDelay(min(d, 30*time.Second)); err != nil {
		in.warn("nak", "nak failed; the ack wait will redeliver", "err", err)
	}
}

// expectSnapshots records the snapshots that accepted events reference
// (see Store.ExpectSnapshots); when Redis fails, those events are retried
// (a repeat is a duplicate, and records them then).
func (in *Ingester) expectSnapshots(ctx context.Context, evs []*event.Event, res []camstate.Result) {
	var with []int
	for i, e := range evs {
		switch res[i].Outcome {
		case camstate.OutcomeStored, camstate.OutcomeLate, camstate.OutcomeDuplicate, camstate.OutcomeNewEpoch, camstate.OutcomeHistoryKept:
			if e.Snapshot != nil || e.Clip != nil {
				with = append(with, i)
			}
		}
	}
	if len(with) == 0 {
		return
	}
	sel := make([]*event.Event, len(with))
	for j, i := range with {
		sel[j] = evs[i]
	}
	if err := in.o.Store.ExpectSnapshots(ctx, sel); err != nil {
		for _, i := range with {
			res[i] = camstate.Result{Err: err}
		}
	}
}

// unannounced waits a little for the heartbeat that announces e's epoch
// (it may be a few messages behind), then dead-letters e.
func (in *Ingester) unannounced(ctx context.Context, m jetstream.Msg, e *event.Event) {
	delivered := uint64(1)
	if md, err := m.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	if delivered >= unannouncedDeliveries {
		in.reject(ctx, m, ReasonEpoch, fmt.Errorf("spool epoch %q never announced by agent %s/%s", e.Epoch, e.Site, e.Agent))
		return
	}
	if err := m.NakWithDelay(in.o.RetryDelay); err != nil {
		in.warn("nak", "nak failed; the ack wait will redeliver", "err", err)
	}
}

// unannouncedDeliveries is how often an event of an unannounced epoch is
// tried before it is dead-lettered.
const unannouncedDeliveries = 4

// waitForRedis holds the next fetch until Redis answers again, so that an
// outage does not use up the messages' deliveries.
func (in *Ingester) waitForRedis(ctx context.Context) {
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := in.o.Store.Ping(pctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// reject republishes m on the dead-letter subject for reason, then acks it.
func (in *Ingester) reject(ctx context.Context, m jetstream.Msg, reason string, cause error) {
	in.o.Metrics.Invalid.WithLabelValues(reason).Inc()
	in.warn("invalid:"+reason, "message dead-lettered", "reason", reason, "subject", m.Subject(), "err", cause)
	if err := deadletter.Publish(ctx, in.o.JS, m, "ingest", reason, cause); err != nil {
		in.warn("deadletter", "dead-letter publish failed; will retry", "err", err)
		if err := m.NakWithDelay(in.o.RetryDelay); err != nil {
			in.warn("nak", "nak failed; the ack wait will redeliver", "err", err)
		}
		return
	}
	in.ack(m)
}

func (in *Ingester) ack(m jetstream.Msg) {
	if err := m.Ack(); err != nil {
		// The message comes back after the ack wait; Redis drops the repeat.
		in.warn("ack", "ack failed", "err", err)
	}
}

// warn logs once per key and minute.
func (in *Ingester) warn(key, msg string, args ...any) {
	if in.once.Allow(key, time.Now()) {
		in.log.Warn(msg, args...)
	}
}

func (in *Ingester) check(subject string, data []byte, stored time.Time) (*event.Event, string, error) {
	if in.o.unchecked {
		e, err := event.Decode(data)
		if err != nil {
			return nil, classify(data, err), err
		}
		return e, "", nil
	}
	return check(subject, data, stored, in.o.MaxSkew)
}

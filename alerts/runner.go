package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/camwatch/camwatch/deadletter"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/lograte"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RunnerOptions wire a Runner into the aggregator.
type RunnerOptions struct {
	NATS  *nats.Conn
	JS    jetstream.JetStream
	Redis redis.UniversalClient
	// Prefix starts the Redis keys (redis.prefix).
	Prefix string
	// Rules are the rules in force; RulesPath is the file reloads read.
	Rules     *Set
	RulesPath string
	// CheckRules, if set, vets a reloaded file beyond its own validation
	// (e.g. that every receiver it names exists); an error keeps the old
	// rules.
	CheckRules func(*Rules) error
	// EventsStream is the stream of camera events (stream.name).
	EventsStream string
	// Tick is how often the leader advances the engine's clock; default 1s.
	Tick time.Duration
	// LeaseTTL is how long a silent leader keeps the lead; default 10s.
	LeaseTTL time.Duration
	// AgentTimeout marks an agent lost; default DefaultAgentTimeout.
	AgentTimeout time.Duration
	// History keeps transitions this long in Redis; default DefaultHistory.
	History time.Duration
	// Batch is the most events evaluated per Redis write; default 256.
	Batch int
	// MaxSkew is how far an event's time may be ahead of the time the
	// stream stored it; a later one is refused (default
	// event.DefaultMaxSkew).
	MaxSkew time.Duration
	// Signer signs every transition published (header signing.Header);
	// Verifier, when set, is what the live feed admits: a transition
	// without a valid signature is dropped and counted. Without a Signer
	// transitions go unsigned (tests).
	Signer   *signing.Key
	Verifier *signing.Verifier
	// CommandTimeout bounds an API command's wait for the leader; default 5s.
	CommandTimeout time.Duration
	Logger         *slog.Logger
	Registerer     prometheus.Registerer
	// Now is the wall clock for ticks and API commands; default time.Now.
	Now func() time.Time
	// ID names this replica in the lease; default a random id.
	ID string
}

// Runner runs the alerts engine inside an aggregator replica. Every replica
// runs one; only the one holding the Lease evaluates: it reads every event
// in stream order from an ordered consumer starting after the sequence
// stored with the state, and for each batch writes state, indexes and an
// outbox to Redis in one fenced script, publishes the transitions with
// Nats-Msg-Id = Transition.ID, then clears the outbox. A successor loads
// the state, republishes the outbox (deduped by JetStream) and resumes
// after the stored sequence, so no transition is lost or doubled. API
// calls work on every replica: reads come from Redis, changes are sent to
// the leader over NATS request/reply and applied in its loop, in order.
type Runner struct {
	o       RunnerOptions
	log     *slog.Logger
	store   *Store
	lease   *Lease
	m       *metrics
	leading atomic.Bool
	// done ends live feeds on shutdown (see Close).
	done      chan struct{}
	closeOnce sync.Once
	feedLog   *lograte.Limiter
	// noRelease keeps the lease on exit, as a crashed replica would (tests).
	noRelease bool
}

// ErrNoLeader means no replica evaluates alerts right now (for example
// during a takeover); the caller may retry after the lease TTL.
var ErrNoLeader = errors.New("no alerts evaluator is running; retry shortly")

// ErrRules wraps why a rules reload was refused; the old rules stay.
var ErrRules = errors.New("alert rules refused")

// NewRunner checks the options and registers the metrics.
func NewRunner(o RunnerOptions) (*Runner, error) {
	if o.NATS == nil || o.JS == nil || o.Redis == nil || o.Rules == nil || o.EventsStream == "" {
		return nil, fmt.Errorf("%w: alerts runner needs NATS, JetStream, Redis, rules and the events stream", ErrInput)
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 10 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = event.DefaultMaxSkew
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ID == "" {
		o.ID = event.NewID()
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Runner{
		o: o, log: o.Logger.With("replica", o.ID), m: m, done: make(chan struct{}), feedLog: lograte.New(time.Minute),
		store: NewStore(o.Redis, o.Prefix, o.History),
		lease: NewLease(o.Redis, o.Prefix, o.ID, o.LeaseTTL),
	}, nil
}

// Store reads what the evaluator wrote.
func (r *Runner) Store() *Store { return r.store }

// Leading reports whether this replica evaluates now.
func (r *Runner) Leading() bool { return r.leading.Load() }

// Close ends the live feeds (SSE streams), which would otherwise hold the
// HTTP server's shutdown open; call it before shutting the server down.
func (r *Runner) Close() { r.closeOnce.Do(func() { close(r.done) }) }

// Run campaigns for the lease and evaluates while holding it, until ctx
// ends; then it gives the lease up so a successor starts at once.
func (r *Runner) Run(ctx context.Context) error {
	sub, err := r.o.NATS.Subscribe(CommandRoot+".reload", func(*nats.Msg) {
		if err := r.reloadLocal(); err != nil {
			r.log.Error("alert rules reload refused", "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe alert reloads: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	t := time.NewTicker(r.o.LeaseTTL / 3)
	defer t.Stop()
	for {
		held, err := r.lease.Hold(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("alerts lease unavailable", "err", err)
		}
		if held {
			r.log.Info("alerts evaluator leading")
			err := r.lead(ctx)
			r.leading.Store(false)
			r.m.leader.Set(0)
			r.m.open.Reset()
			if ctx.Err() != nil {
				if !r.noRelease {
					rctx, cancel := context.WithTimeout(context.Background(), time.Second)
					_ = r.lease.Release(rctx)
					cancel()
				}
				return nil
			}
			r.log.Warn("alerts evaluator stopped leading", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// leader is the state of one term of office.
type leader struct {
	eng      *Engine
	seq      uint64
	clock    time.Time
	caughtUp bool
	lim      map[string]time.Time
}

func (r *Runner) lead(ctx context.Context) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.keepLease(lctx, cancel)

	st, err := r.store.Load(lctx)
	if err != nil {
		return err
	}
	if err := r.flushOutbox(lctx); err != nil {
		return err
	}
	l := &leader{seq: st.Seq, lim: map[string]time.Time{}}
	l.eng = NewEngine(r.o.Rules, Options{Now: func() time.Time { return l.clock }, AgentTimeout: r.o.AgentTimeout, State: st.Engine})

	cmds := make(chan *nats.Msg, 64)
	sub, err := r.o.NATS.Subscribe(CommandRoot+".apply", func(m *nats.Msg) {
		select {
		case cmds <- m:
		case <-lctx.Done():
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe alert commands: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()

	stream, err := r.o.JS.Stream(lctx, r.o.EventsStream)
	if err != nil {
		return fmt.Errorf("events stream %s: %w", r.o.EventsStream, err)
	}
	l.caughtUp = stream.CachedInfo().State.LastSeq <= l.seq
	cfg := jetstream.OrderedConsumerConfig{}
	if l.seq > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, l.seq+1
	}
	cons, err := r.o.JS.OrderedConsumer(lctx, r.o.EventsStream, cfg)
	if err != nil {
		return fmt.Errorf("alerts consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(r.o.Batch))
	if err != nil {
		return fmt.Errorf("alerts consumer: %w", err)
	}
	defer it.Stop()
	msgs := make(chan jetstream.Msg, r.o.Batch)
	go func() {
		defer close(msgs)
		for {
			m, err := it.Next()
			if err != nil {
				return
			}
			select {
			case msgs <- m:
			case <-lctx.Done():
				return
			}
		}
	}()

	r.leading.Store(true)
	r.m.leader.Set(1)
	r.m.sample(l.eng.Open())
	tick := time.NewTicker(r.o.Tick)
	defer tick.Stop()
	for {
		select {
		case <-lctx.Done():
			return lctx.Err()
		case m, ok := <-msgs:
			if !ok {
				if lctx.Err() != nil {
					return lctx.Err()
				}
				return errors.New("alerts consumer stopped")
			}
			batch := []jetstream.Msg{m}
		drain:
			for len(batch) < r.o.Batch {
				select {
				case m, ok := <-msgs:
					if !ok {
						break drain
					}
					batch = append(batch, m)
				default:
					break drain
				}
			}
			if err := r.observe(lctx, l, batch); err != nil {
				return err
			}
		case <-tick.C:
			if !l.caughtUp {
				continue // a backlog is evaluated at its own times first
			}
			now := r.o.Now()
			if now.Before(l.clock) {
				now = l.clock
			}
			l.clock = now
			if trs := l.eng.Tick(now); len(trs) > 0 {
				if err := r.commit(lctx, l, trs); err != nil {
					return err
				}
			}
			r.m.sample(l.eng.Open())
		case m := <-cmds:
			if err := r.apply(lctx, l, m); err != nil {
				return err
			}
		}
	}
}

// keepLease renews the lease every TTL/3 and ends the term (cancel) as soon
// as another replica holds it or it could not be renewed within the TTL.
func (r *Runner) keepLease(ctx context.Context, cancel context.CancelFunc) {
	t := time.NewTicker(r.o.LeaseTTL / 3)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held, err := r.lease.Hold(ctx)
		switch {
		case held:
			last = time.Now()
		case err == nil:
			r.log.Warn("alerts lease taken by another replica")
			cancel()
			return
		case time.Since(last) > r.o.LeaseTTL*2/3:
			r.log.Warn("alerts lease not renewed in time", "err", err)
			cancel()
			return
		}
	}
}

// observe folds a batch of events into the engine, in stream order, each
// at the time the stream stored it (so a replay computes the same ids).
func (r *Runner) observe(ctx context.Context, l *leader, batch []jetstream.Msg) error {
	var trs []Transition
	for _, m := range batch {
		md, err := m.Metadata()
		if err != nil {
			r.drop(l, "metadata", err)
			continue
		}
		l.caughtUp = md.NumPending == 0
		if md.Sequence.Stream <= l.seq {
			continue
		}
		l.seq = md.Sequence.Stream
		if md.Timestamp.After(l.clock) {
			l.clock = md.Timestamp
		}
		ev, err := event.Decode(m.Data())
		if err != nil {
			r.drop(l, "invalid", err)
			continue
		}
		if reason, err := admit(ev, m.Subject(), md.Timestamp, r.o.MaxSkew); err != nil {
			// Ingest refuses it too and files the same dead letter (one
			// message id per stream message); this is the engine's copy,
			// in case ingest runs elsewhere or later.
			r.drop(l, reason, err)
			if err := deadletter.Publish(ctx, r.o.JS, m, "alerts", reason, err); err != nil {
				r.log.Warn("alert engine could not dead-letter a refused event", "err", err)
			}
			continue
		}
		out, err := l.eng.Observe(ev)
		if reason := refusal(err); reason != "" {
			r.drop(l, reason, err)
			if err := deadletter.Publish(ctx, r.o.JS, m, "alerts", reason, err); err != nil {
				r.log.Warn("alert engine could not dead-letter a refused event", "err", err)
			}
			continue
		}
		if err != nil {
			r.drop(l, "unusable", err)
			continue
		}
		trs = append(trs, out...)
	}
	return r.commit(ctx, l, trs)
}

// drop counts an event the engine cannot use, logging each reason at most
// once a minute.
func (r *Runner) drop(l *leader, reason string, err error) {
	r.m.dropped.WithLabelValues(reason).Inc()
	if now := time.Now(); now.Sub(l.lim[reason]) > time.Minute {
		l.lim[reason] = now
		r.log.Warn("alert engine dropped an event", "reason", reason, "err", err)
	}
}

// commit makes trs durable (state, indexes, outbox in one fenced write),
// publishes them, and clears the outbox.
func (r *Runner) commit(ctx context.Context, l *leader, trs []Transition) error {
	data, err := l.eng.stateJSON()
	if err != nil {
		return err
	}
	if err := r.store.Write(ctx, r.lease.Token(), l.seq, data, trs, l.clock); err != nil {
		return err
	}
	if len(trs) == 0 {
		return nil
	}
	if err := r.publish(ctx, trs); err != nil {
		return err
	}
	return r.store.ClearOutbox(ctx, r.lease.Token())
}

// flushOutbox republishes what a predecessor wrote but may not have
// published; JetStream drops the ones it already has by Nats-Msg-Id.
func (r *Runner) flushOutbox(ctx context.Context) error {
	trs, err := r.store.Outbox(ctx)
	if err != nil || len(trs) == 0 {
		return err
	}
	r.log.Info("republishing alert outbox", "transitions", len(trs))
	if err := r.publish(ctx, trs); err != nil {
		return err
	}
	return r.store.ClearOutbox(ctx, r.lease.Token())
}

func (r *Runner) publish(ctx context.Context, trs []Transition) error {
	futures := make([]jetstream.PubAckFuture, 0, len(trs))
	for i := range trs {
		data, err := json.Marshal(&trs[i])
		if err != nil {
			return fmt.Errorf("encode transition: %w", err)
		}
		msg := &nats.Msg{Subject: Subject(&trs[i]), Data: data, Header: nats.Header{}}
		if r.o.Signer != nil {
			msg.Header.Set(signing.Header, r.o.Signer.Sign(data))
		}
		f, err := r.o.JS.PublishMsgAsync(msg, jetstream.WithMsgID(trs[i].ID))
		if err != nil {
			return fmt.Errorf("publish transition %s: %w", trs[i].ID, err)
		}
		futures = append(futures, f)
	}
	fresh := make([]Transition, 0, len(trs))
	for i, f := range futures {
		select {
		case ack := <-f.Ok():
			if !ack.Duplicate {
				fresh = append(fresh, trs[i])
			}
		case err := <-f.Err():
			return fmt.Errorf("publish transition %s: %w", trs[i].ID, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.m.published(fresh)
	return nil
}

// stateJSON encodes the state under the engine's lock, without a copy.
func (e *Engine) stateJSON() (json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	data, err := json.Marshal(e.st)
	if err != nil {
		return nil, fmt.Errorf("encode alert state: %w", err)
	}
	return data, nil
}

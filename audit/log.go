package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Defaults.
const (
	DefaultStream  = "CAMWATCH_AUDIT"
	Subject        = "camwatch.audit"
	DefaultIndexed = 90 * 24 * time.Hour
)

// ErrUnavailable: the record could not be stored; the action must not
// happen.
var ErrUnavailable = errors.New("audit log unavailable")

// Options configure the log.
type Options struct {
	Stream string // default DefaultStream
	// MaxAge keeps records this long in the stream; 0 keeps them for ever.
	MaxAge   time.Duration
	Replicas int
	// Redis and Prefix hold the query index (nil: no index, Query fails).
	Redis  redis.UniversalClient
	Prefix string
	// IndexRetention keeps index entries this long (default 90 days);
	// older records are only in the stream.
	IndexRetention time.Duration
	Timeout        time.Duration // of one append; default 5s
	Registerer     prometheus.Registerer
	Logger         *slog.Logger
	Now            func() time.Time
}

// Log appends to and reads the audit stream.
type Log struct {
	js  jetstream.JetStream
	o   Options
	mu  sync.Mutex
	seq uint64 // last sequence known on the stream
	// last is the hash of the record at seq.
	last     string
	known    bool
	appended *prometheus.CounterVec
	errors   prometheus.Counter
	log      *slog.Logger
}

// EnsureStream creates or updates the audit stream: file storage, no
// deletes, no purges, no rollups, so nothing can be taken out of it
// through the NATS API.
func EnsureStream(ctx context.Context, js jetstream.JetStream, o Options) (jetstream.Stream, error) {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: o.Stream, Description: "camwatch audit log (hash-chained)", Subjects: []string{Subject},
		Storage: jetstream.FileStorage, Replicas: o.Replicas, MaxAge: o.MaxAge,
		DenyDelete: true, DenyPurge: true, AllowRollup: false, Discard: jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: stream %s: %v", ErrUnavailable, o.Stream, err)
	}
	return st, nil
}

// Open ensures the stream and returns the log.
func Open(ctx context.Context, js jetstream.JetStream, o Options) (*Log, error) {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Prefix == "" {
		o.Prefix = "camwatch"
	}
	if o.IndexRetention <= 0 {
		o.IndexRetention = DefaultIndexed
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if _, err := EnsureStream(ctx, js, o); err != nil {
		return nil, err
	}
	l := &Log{js: js, o: o, log: o.Logger,
		appended: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_audit_records_total",
			Help: "Audit records appended, by result."}, []string{"result"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "camwatch_audit_append_errors_total",
			Help: "Audit appends that failed (the action was refused)."}),
	}
	for _, c := range []prometheus.Collector{l.appended, l.errors} {
		if err := o.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("audit metrics: %w", err)
		}
	}
	return l, nil
}

// tail reads the last record of the stream (the chain's end).
func (l *Log) tail(ctx context.Context) error {
	st, err := l.js.Stream(ctx, l.o.Stream)
	if err != nil {
		return err
	}
	m, err := st.GetLastMsgForSubject(ctx, Subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		l.seq, l.last, l.known = 0, "", true
		return nil
	}
	if err != nil {
		return err
	}
	l.seq, l.last, l.known = m.Sequence, Hash(m.Data), true
	return nil
}

// Append stores rec at the end of the chain and returns its sequence.
// Several writers (aggregator replicas, the command line) may append at
// once: each publish expects the last sequence it knows, and on a
// conflict it rereads the end of the stream and links to that.
func (l *Log) Append(ctx context.Context, rec Record) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if rec.Time.IsZero() {
		rec.Time = l.o.Now()
	}
	rec.Time = rec.Time.UTC()
	rec.Seq = 0
	var lastErr error
	failures := 0
	// A conflict (another writer appended first) is retried until the
	// append's timeout; any other failure three times.
	for attempt := 0; failures < 3 && ctx.Err() == nil; attempt++ {
		if !l.known || attempt > 0 {
			if err := l.tail(ctx); err != nil {
				lastErr = err
				l.known = false
				failures++
				continue
			}
		}
		rec.Prev = l.last
		data, err := json.Marshal(&rec)
		if err != nil {
			return 0, fmt.Errorf("audit record: %w", err)
		}
		msg := nats.NewMsg(Subject)
		msg.Data = data
		msg.Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(l.seq, 10))
		ack, err := l.js.PublishMsg(ctx, msg)
		if err != nil {
			lastErr = err
			l.known = false
			var apiErr *jetstream.APIError
			if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
				time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // let the other writer finish
				continue
			}
			failures++
			continue
		}
		l.seq, l.last = ack.Sequence, Hash(data)
		rec.Seq = ack.Sequence
		l.appended.WithLabelValues(string(rec.Result)).Inc()
		l.index(ctx, rec)
		return ack.Sequence, nil
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	l.errors.Inc()
	l.log.Error("audit record not stored; the action is refused", "action", rec.Action, "err", lastErr)
	return 0, fmt.Errorf("%w: %v", ErrUnavailable, lastErr)
}

package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// The Redis index, which this file alone writes: records by sequence in
// a hash, their sequences by time overall and per actor, and how far the
// stream has been indexed. It can be rebuilt from the stream (Run).
func (l *Log) kRecords() string        { return l.o.Prefix + ":audit:rec" }
func (l *Log) kTime() string           { return l.o.Prefix + ":audit:time" }
func (l *Log) kActor(id string) string { return l.o.Prefix + ":audit:actor:" + id }
func (l *Log) kIndexed() string        { return l.o.Prefix + ":audit:indexed" }
func actorID(a Actor) string           { return a.Kind + ":" + a.Name }

// index adds one record; a failure is logged (the record is safe in the
// stream, and Run indexes it later).
func (l *Log) index(ctx context.Context, rec Record) {
	if l.o.Redis == nil {
		return
	}
	if err := l.indexOne(ctx, rec); err != nil {
		l.log.Warn("audit record stored but not indexed yet", "seq", rec.Seq, "err", err)
	}
}

func (l *Log) indexOne(ctx context.Context, rec Record) error {
	data, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	m := strconv.FormatUint(rec.Seq, 10)
	z := redis.Z{Score: float64(rec.Time.UnixMilli()), Member: m}
	p := l.o.Redis.TxPipeline()
	p.HSet(ctx, l.kRecords(), m, data)
	p.ZAdd(ctx, l.kTime(), z)
	p.ZAdd(ctx, l.kActor(actorID(rec.Actor)), z)
	_, err = p.Exec(ctx)
	return err
}

// Run indexes what the stream holds beyond the index (records of other
// writers, such as the command line, and everything after a Redis loss)
// until ctx ends, and trims index entries past the retention.
func (l *Log) Run(ctx context.Context) error {
	if l.o.Redis == nil {
		return nil
	}
	for ctx.Err() == nil {
		if err := l.follow(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("audit index follower restarting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
	return nil
}

func (l *Log) follow(ctx context.Context) error {
	from, err := l.o.Redis.Get(ctx, l.kIndexed()).Uint64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from+1
	}
	cons, release, err := streamread.Open(ctx, l.js, l.o.Stream, cfg)
	if err != nil {
		return err
	}
	defer release()
	trim := time.NewTicker(time.Hour)
	defer trim.Stop()
	l.trim(ctx)
	for ctx.Err() == nil {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		var last uint64
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			var rec Record
			if json.Unmarshal(m.Data(), &rec) != nil {
				l.log.Warn("audit record unreadable; left out of the index (audit verify reports it)", "seq", md.Sequence.Stream)
				last = md.Sequence.Stream
				continue
			}
			rec.Seq = md.Sequence.Stream
			if err := l.indexOne(ctx, rec); err != nil {
				return err
			}
			last = rec.Seq
		}
		if batch.Error() != nil && !errors.Is(batch.Error(), jetstream.ErrNoMessages) {
			return batch.Error()
		}
		if last > 0 {
			if err := l.o.Redis.Set(ctx, l.kIndexed(), last, 0).Err(); err != nil {
				return err
			}
		}
		select {
		case <-trim.C:
			l.trim(ctx)
		default:
		}
	}
	return nil
}

// trim drops index entries older than the retention (not the stream's).
func (l *Log) trim(ctx context.Context) {
	cut := strconv.FormatInt(l.o.Now().Add(-l.o.IndexRetention).UnixMilli(), 10)
	old, err := l.o.Redis.ZRangeByScore(ctx, l.kTime(), &redis.ZRangeBy{Min: "-inf", Max: "(" + cut, Count: 10000}).Result()
	if err != nil || len(old) == 0 {
		return
	}
	p := l.o.Redis.Pipeline()
	p.HDel(ctx, l.kRecords(), old...)
	p.ZRemRangeByScore(ctx, l.kTime(), "-inf", "("+cut)
	_, _ = p.Exec(ctx)
	// Per-actor sets keep stale members; Query skips those without a record.
}

// Query selects index entries, newest first.
type Query struct {
	// Actor is "user:NAME", "token:NAME", "cli:NAME" or a bare user name.
	Actor  string
	Action string // exact, or a prefix ending in "." ("alert.")
	Object string // one of the record's objects, exactly
	Result Result
	From   time.Time
	To     time.Time
	Limit  int
}

// MaxLimit bounds one query's answer.
const MaxLimit = 1000

// Query returns matching records from the index, newest first.
func (l *Log) Query(ctx context.Context, q Query) ([]Record, error) {
	if l.o.Redis == nil {
		return nil, fmt.Errorf("%w: no index", ErrUnavailable)
	}
	if q.Limit <= 0 || q.Limit > MaxLimit {
		q.Limit = 100
	}
	key := l.kTime()
	if q.Actor != "" {
		id := q.Actor
		if !strings.Contains(id, ":") {
			id = "user:" + id
		}
		key = l.kActor(id)
	}
	max, min := "+inf", "-inf"
	if !q.To.IsZero() {
		max = strconv.FormatInt(q.To.UnixMilli(), 10)
	}
	if !q.From.IsZero() {
		min = strconv.FormatInt(q.From.UnixMilli(), 10)
	}
	out := []Record{}
	const chunk = 500
	for off, scanned := int64(0), 0; len(out) < q.Limit && scanned < 50000; off += chunk {
		seqs, err := l.o.Redis.ZRevRangeByScore(ctx, key, &redis.ZRangeBy{Min: min, Max: max, Offset: off, Count: chunk}).Result()
		if err != nil {
			return nil, fmt.Errorf("%w: index: %v", ErrUnavailable, err)
		}
		if len(seqs) == 0 {
			break
		}
		scanned += len(seqs)
		vals, err := l.o.Redis.HMGet(ctx, l.kRecords(), seqs...).Result()
		if err != nil {
			return nil, fmt.Errorf("%w: index: %v", ErrUnavailable, err)
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue
			}
			var rec Record
			if json.Unmarshal([]byte(s), &rec) != nil || !q.match(&rec) {
				continue
			}
			out = append(out, rec)
			if len(out) == q.Limit {
				break
			}
		}
	}
	return out, nil
}

func (q *Query) match(r *Record) bool {
	switch {
	case q.Result != "" && r.Result != q.Result:
		return false
	case q.Action != "" && r.Action != q.Action && !(strings.HasSuffix(q.Action, ".") && strings.HasPrefix(r.Action, q.Action)):
		return false
	case q.Object != "":
		for _, o := range r.Objects {
			if o == q.Object {
				return true
			}
		}
		return false
	}
	return true
}

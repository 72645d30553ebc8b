package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLeaseLost is returned by a write fenced by a lease that its holder
// no longer has: another replica leads now and this one must stop.
var ErrLeaseLost = errors.New("alerts lease lost")

// Stored is what the evaluator keeps in Redis under P:{alerts}:state: the
// engine's state and the events-stream sequence it has applied up to. They
// are written together, so the position can never disagree with the state.
type Stored struct {
	// Seq is the last events-stream sequence folded into Engine.
	Seq    uint64 `json:"seq"`
	Engine *State `json:"engine"`
}

// Store keeps the alerts' Redis keys (see docs/alerts.md): the evaluator's
// state, the open-alert index, the history and the outbox of transitions
// not yet confirmed published. Every write is fenced by the lease token,
// so a replica that lost the lead cannot overwrite its successor's state.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	keep   time.Duration
}

// DefaultHistory is how long resolved history is kept in Redis.
const DefaultHistory = 90 * 24 * time.Hour

// NewStore returns the store under key prefix; history is trimmed to keep
// (DefaultHistory when zero).
func NewStore(rdb redis.UniversalClient, prefix string, keep time.Duration) *Store {
	if keep <= 0 {
		keep = DefaultHistory
	}
	return &Store{rdb: rdb, prefix: prefix, keep: keep}
}

func (s *Store) key(name string) string { return s.prefix + ":{alerts}:" + name }

// writeScript stores state, open index, history and outbox atomically, if
// KEYS[1] (the lease) still holds ARGV[1]. ARGV: token, state JSON, history
// floor (ms), then per transition: key, kind, score (ms), transition JSON,
// alert JSON.
var writeScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('LEASE lost') end
redis.call('SET', KEYS[2], ARGV[2])
local i = 4
while i <= #ARGV do
  local key, kind, score, tr, al = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  if kind == 'resolved' then
    redis.call('HDEL', KEYS[3], key)
  else
    redis.call('HSET', KEYS[3], key, al)
  end
  redis.call('ZADD', KEYS[4], score, tr)
  redis.call('RPUSH', KEYS[5], tr)
  i = i + 5
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[3])
return 1
`)

// clearScript empties the outbox under the lease.
var clearScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('LEASE lost') end
redis.call('DEL', KEYS[2])
return 1
`)

func fenceErr(err error) error {
	if err != nil && redis.HasErrorPrefix(err, "LEASE") {
		return ErrLeaseLost
	}
	return err
}

// Write records the engine state (JSON) as of events-stream sequence seq,
// and puts trs into the open index, the history and the outbox, all or
// nothing, under the lease held with token.
func (s *Store) Write(ctx context.Context, token string, seq uint64, engine json.RawMessage, trs []Transition, now time.Time) error {
	data, err := json.Marshal(struct {
		Seq    uint64          `json:"seq"`
		Engine json.RawMessage `json:"engine"`
	}{seq, engine})
	if err != nil {
		return fmt.Errorf("encode alert state: %w", err)
	}
	args := []any{token, data, now.Add(-s.keep).UnixMilli()}
	for i := range trs {
		tr, err := json.Marshal(&trs[i])
		if err != nil {
			return fmt.Errorf("encode transition: %w", err)
		}
		al, err := json.Marshal(&trs[i].Alert)
		if err != nil {
			return fmt.Errorf("encode alert: %w", err)
		}
		args = append(args, trs[i].Alert.Key, string(trs[i].Kind), trs[i].At.UnixMilli(), tr, al)
	}
	keys := []string{s.key("lease"), s.key("state"), s.key("open"), s.key("history"), s.key("outbox")}
	if err := writeScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("write alert state: %w", fenceErr(err))
	}
	return nil
}

// ClearOutbox forgets the outbox once its transitions are published.
func (s *Store) ClearOutbox(ctx context.Context, token string) error {
	err := clearScript.Run(ctx, s.rdb, []string{s.key("lease"), s.key("outbox")}, token).Err()
	if err != nil {
		return fmt.Errorf("clear alert outbox: %w", fenceErr(err))
	}
	return nil
}

// Outbox returns the transitions written but maybe not published.
func (s *Store) Outbox(ctx context.Context) ([]Transition, error) {
	raw, err := s.rdb.LRange(ctx, s.key("outbox"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read alert outbox: %w", err)
	}
	out := make([]Transition, 0, len(raw))
	for _, r := range raw {
		var tr Transition
		if err := json.Unmarshal([]byte(r), &tr); err != nil {
			return nil, fmt.Errorf("decode outbox transition: %w", err)
		}
		out = append(out, tr)
	}
	return out, nil
}

// Load returns the stored state, or an empty one at sequence 0.
func (s *Store) Load(ctx context.Context) (*Stored, error) {
	data, err := s.rdb.Get(ctx, s.key("state")).Bytes()
	if errors.Is(err, redis.Nil) {
		return &Stored{Engine: NewState()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	var st Stored
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode alert state: %w", err)
	}
	if st.Engine == nil {
		st.Engine = NewState()
	}
	st.Engine.init()
	return &st, nil
}

// Open returns the open alerts (firing or acknowledged), ordered by key.
func (s *Store) Open(ctx context.Context) ([]Alert, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("open")).Result()
	if err != nil {
		return nil, fmt.Errorf("read open alerts: %w", err)
	}
	out := make([]Alert, 0, len(m))
	for _, k := range sortedKeys(m) {
		var a Alert
		if err := json.Unmarshal([]byte(m[k]), &a); err != nil {
			return nil, fmt.Errorf("decode open alert %q: %w", k, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// Get returns the open alert with dedup key key, or ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (*Alert, error) {
	data, err := s.rdb.HGet(ctx, s.key("open"), key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("alert %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read alert: %w", err)
	}
	var a Alert
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("decode alert %q: %w", key, err)
	}
	return &a, nil
}

// History returns the transitions at times in [from, to], oldest first.
func (s *Store) History(ctx context.Context, from, to time.Time) ([]Transition, error) {
	raw, err := s.rdb.ZRangeByScore(ctx, s.key("history"), &redis.ZRangeBy{
		Min: strconv.FormatInt(from.UnixMilli(), 10), Max: strconv.FormatInt(to.UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("read alert history: %w", err)
	}
	out := make([]Transition, 0, len(raw))
	for _, r := range raw {
		var tr Transition
		if err := json.Unmarshal([]byte(r), &tr); err != nil {
			return nil, fmt.Errorf("decode alert history: %w", err)
		}
		out = append(out, tr)
	}
	return out, nil
}

// Silences returns the silences in force in the stored state.
func (s *Store) Silences(ctx context.Context) ([]Silence, error) {
	st, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(st.Engine.Silences), nil
}

// ErrSeedOverlaps refuses generated alert history that would not lie
// wholly before the history the engine recorded.
var ErrSeedOverlaps = errors.New("generated alert history overlaps the recorded history")

// SeedHistory adds generated transitions (the demo's month) to the alert
// history that reports and the resolved-alert list read: only the history,
// never the open index, the state or the outbox (nothing is published or
// notified). Every transition must be older than the oldest recorded one,
// else nothing is written (ErrSeedOverlaps). Like all history it is
// trimmed by age.
func (s *Store) SeedHistory(ctx context.Context, trs []Transition) error {
	if len(trs) == 0 {
		return nil
	}
	oldest, err := s.rdb.ZRangeWithScores(ctx, s.key("history"), 0, 0).Result()
	if err != nil {
		return fmt.Errorf("read alert history: %w", err)
	}
	zs := make([]redis.Z, len(trs))
	for i := range trs {
		at := trs[i].At.UnixMilli()
		if len(oldest) > 0 && float64(at) >= oldest[0].Score {
			return fmt.Errorf("transition %s at %s: %w", trs[i].ID, trs[i].At.UTC().Format(time.RFC3339), ErrSeedOverlaps)
		}
		b, err := json.Marshal(&trs[i])
		if err != nil {
			return fmt.Errorf("encode transition: %w", err)
		}
		zs[i] = redis.Z{Score: float64(at), Member: string(b)}
	}
	if err := s.rdb.ZAdd(ctx, s.key("history"), zs...).Err(); err != nil {
		return fmt.Errorf("seed alert history: %w", err)
	}
	return nil
}

package camstate

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned for a camera Redis has never heard of.
var ErrNotFound = errors.New("not found")

// ErrNotReplicated fails a batch that fewer than Options.WaitReplicas
// replicas confirmed: its messages are not acknowledged, so a failover
// that loses the primary's unreplicated writes loses no event (they are
// redelivered and written again).
var ErrNotReplicated = errors.New("redis writes not replicated")

//go:embed apply.lua
var applySource string

var applyScript = redis.NewScript(applySource)

// Options tune what the store keeps and how it reads.
type Options struct {
	// Prefix starts every key; default "camwatch".
	Prefix string
	// EventRetention trims each camera's event history (and the dedupe
	// ids) by age; default 72h.
	EventRetention time.Duration
	// TransitionRetention trims status transitions by age; default 400 days.
	TransitionRetention time.Duration
	// AgentTimeout turns a camera unknown when its agent's last heartbeat
	// is older; default 30s.
	AgentTimeout time.Duration
	// DegradedRatio marks an online camera degraded when a stats event's
	// fps is below this share of its normal fps (the median of one sample
	// per hour over the last day); default 0.5.
	DegradedRatio float64
	// DegradedFloor marks an online camera degraded when a stats event's
	// fps is below it, whatever its normal; default 1.
	DegradedFloor float64
	// MaxSeqAdvance bounds how far one event may move its camera's (or
	// agent's) seq ahead within one spool epoch; a larger jump is refused
	// (a forged seq of 2^62 would otherwise freeze the state). Default
	// DefaultMaxSeqAdvance.
	MaxSeqAdvance int64
	// MaxAge is how old an event may be when the stream stores it and,
	// arriving late (after newer ones), still change its camera's status
	// history; an older late event is kept in the timeline only. Default
	// DefaultMaxAge.
	MaxAge time.Duration
	// WaitReplicas, when above 0, makes every batch wait (Redis WAIT, up
	// to WaitTimeout, default 1s) until that many replicas have its
	// writes before its events count as stored, so that a primary lost
	// right after a batch (Sentinel failover, a crash) loses none of the
	// acknowledged events. On a Redis Cluster each master's calls go in
	// a pipeline of their own, ended by the WAIT (applyPerMaster).
	WaitReplicas int
	WaitTimeout  time.Duration
	// Now is the clock, for tests; default time.Now.
	Now func() time.Time
	// Unbounded turns the seq, epoch and history bounds off: only the
	// ingest benchmark's peer, to measure what they cost, sets it.
	Unbounded bool
}

// Defaults of the bounds on seq and age. A camera at one event a second
// for a day advances its seq by 86,400, so a legitimate jump (events
// dropped from a full spool) stays far below a million. An agent's spool
// rides out outages of days; a week is beyond any it is sized for.
const (
	DefaultMaxSeqAdvance = 1_000_000
	DefaultMaxAge        = 7 * 24 * time.Hour
)

// Store is the Redis side of camwatch: Apply writes accepted events, the
// read methods serve the API. It is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	k    keys
	opts Options
}

// NewStore returns a store on rdb; it does not touch Redis yet.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = "camwatch"
	}
	if opts.EventRetention <= 0 {
		opts.EventRetention = 72 * time.Hour
	}
	if opts.TransitionRetention <= 0 {
		opts.TransitionRetention = 400 * 24 * time.Hour
	}
	if opts.AgentTimeout <= 0 {
		opts.AgentTimeout = 30 * time.Second
	}
	if opts.DegradedRatio <= 0 {
		opts.DegradedRatio = 0.5
	}
	if opts.DegradedFloor <= 0 {
		opts.DegradedFloor = 1
	}
	if opts.MaxSeqAdvance <= 0 {
		opts.MaxSeqAdvance = DefaultMaxSeqAdvance
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{rdb: rdb, k: keys{opts.Prefix}, opts: opts}
}

// Ping reports whether Redis answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// MaxSeqAdvance is the seq bound in force (Options.MaxSeqAdvance), for
// the consumer's dead-letter reasons.
func (s *Store) MaxSeqAdvance() int64 { return s.opts.MaxSeqAdvance }

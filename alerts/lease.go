package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is the right to evaluate alerts: one Redis key holding a random
// token with an expiry. Exactly one replica holds it at a time, and its
// token fences every write of the Store, so a replica that stalls past the
// expiry and wakes up cannot undo its successor's work.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	token string
	ttl   time.Duration
}

// NewLease returns a lease on P:{alerts}:lease for this holder (token);
// every alerts key shares the {alerts} hash tag, so the fenced write
// script (store.go) touches one Redis Cluster slot.
func NewLease(rdb redis.UniversalClient, prefix, token string, ttl time.Duration) *Lease {
	return &Lease{rdb: rdb, key: prefix + ":{alerts}:lease", token: token, ttl: ttl}
}

// Token identifies the holder.
func (l *Lease) Token() string { return l.token }

// holdScript takes a free lease or extends our own; 0 if another holds it.
var holdScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Hold takes the lease if free, or renews it if ours, and reports whether
// we hold it now.
func (l *Lease) Hold(ctx context.Context) (bool, error) {
	n, err := holdScript.Run(ctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("alerts lease: %w", err)
	}
	return n == 1, nil
}

// Release gives the lease up if we hold it, so a successor need not wait
// for the expiry.
func (l *Lease) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, l.rdb, []string{l.key}, l.token).Err(); err != nil {
		return fmt.Errorf("alerts lease release: %w", err)
	}
	return nil
}

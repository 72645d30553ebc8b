package ingest

import (
	"sync"
	"time"
)

// limiter lets a repeated complaint through once per key and period, so a
// misbehaving producer cannot flood the log; the metrics still count all.
type limiter struct {
	mu     sync.Mutex
	period time.Duration
	last   map[string]time.Time
}

func newLimiter(period time.Duration) *limiter {
	return &limiter{period: period, last: map[string]time.Time{}}
}

// allow reports whether key may be logged now, and how many were
// suppressed is left to the metrics.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.period {
		return false
	}
	l.last[key] = now
	return true
}

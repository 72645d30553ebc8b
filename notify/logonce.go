package notify

import (
	"sync"
	"time"
)

// limiter lets a repeated complaint through once per key and period, so a
// receiver down for a day does not write a log line per retry; the
// metrics still count every one.
type limiter struct {
	mu     sync.Mutex
	period time.Duration
	last   map[string]time.Time
}

func newLimiter(period time.Duration) *limiter {
	return &limiter{period: period, last: map[string]time.Time{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.period {
		return false
	}
	l.last[key] = now
	return true
}

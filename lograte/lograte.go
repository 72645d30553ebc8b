// Package lograte lets a repeated complaint into the log once per key and
// period, so a misbehaving producer or a receiver that is down for a day
// cannot flood the log; the metrics next to each call still count every
// occurrence.
package lograte

import (
	"sync"
	"time"
)

// Limiter remembers when each key was last let through. The zero value is
// not usable; call New.
type Limiter struct {
	mu     sync.Mutex
	period time.Duration
	last   map[string]time.Time
}

// New returns a Limiter letting each key through once per period.
func New(period time.Duration) *Limiter {
	return &Limiter{period: period, last: map[string]time.Time{}}
}

// Allow reports whether key may be logged at now.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.period {
		return false
	}
	l.last[key] = now
	return true
}

package notify

import (
	"math/rand/v2"
	"time"
)

// DefaultBackoff are the NAK delays after a failed attempt, stepped by the
// delivery count; the last repeats. A receiver back after a short restart
// is retried within seconds, one down for hours is asked once a minute.
var DefaultBackoff = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
}

// jitter spreads delays by +-20% so that receivers recovering together
// are not hit by every notifier at the same instant.
const jitter = 0.2

// delay returns the wait after the n-th failed delivery (n from 1).
func delay(steps []time.Duration, n uint64) time.Duration {
	if len(steps) == 0 {
		steps = DefaultBackoff
	}
	i := int(min(max(n, 1)-1, uint64(len(steps)-1)))
	d := float64(steps[i]) * (1 - jitter + 2*jitter*rand.Float64())
	return time.Duration(d)
}

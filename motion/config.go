package motion

import (
	"cmp"
	"errors"
	"fmt"
	"time"
)

// Defaults used by Config.withDefaults; they match the edge agent's
// configuration defaults so a zero Config behaves like a fresh install.
const (
	DefaultSensitivity = 5
	DefaultMinDuration = 400 * time.Millisecond
	DefaultPostRoll    = 3 * time.Second
	// DefaultWindow is the number of P-frames the baseline remembers:
	// about ten seconds at 15 fps, long enough that a passing object does
	// not become the new normal.
	DefaultWindow = 150
	// DefaultWarmup is how many P-frames the detector must see before it
	// scores anything, so that a fresh session does not start in motion.
	DefaultWarmup = 30
	// DefaultSmooth is the number of recent P-frames whose median is
	// scored, to ride out the per-frame jitter of sensor noise.
	DefaultSmooth = 5
	maxSmooth     = 15
)

// Config tunes one detector. The zero value is usable.
type Config struct {
	// Sensitivity 1..10: higher triggers on smaller size increases.
	Sensitivity int
	// MinDuration is how long the score must stay above the threshold
	// before a Start is reported.
	MinDuration time.Duration
	// PostRoll is how long the score must stay below the threshold before
	// an End is reported.
	PostRoll time.Duration
	// Window is the baseline's length in P-frames.
	Window int
	// Warmup is the number of P-frames needed before scoring.
	Warmup int
	// Smooth is the number of recent P-frames whose median is scored
	// (at most 15).
	Smooth int
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("motion: bad config")

func (c Config) withDefaults() (Config, error) {
	c.Sensitivity = cmp.Or(c.Sensitivity, DefaultSensitivity)
	if c.Sensitivity < 1 || c.Sensitivity > 10 {
		return c, fmt.Errorf("%w: sensitivity %d not in 1..10", ErrConfig, c.Sensitivity)
	}
	c.MinDuration = cmp.Or(c.MinDuration, DefaultMinDuration)
	c.PostRoll = cmp.Or(c.PostRoll, DefaultPostRoll)
	c.Window = cmp.Or(c.Window, DefaultWindow)
	c.Warmup = cmp.Or(c.Warmup, DefaultWarmup)
	c.Smooth = cmp.Or(c.Smooth, DefaultSmooth)
	switch {
	case c.MinDuration < 0 || c.PostRoll < 0:
		return c, fmt.Errorf("%w: negative duration", ErrConfig)
	case c.Window < 8:
		return c, fmt.Errorf("%w: window %d shorter than 8 frames", ErrConfig, c.Window)
	case c.Warmup < 1 || c.Warmup > c.Window:
		return c, fmt.Errorf("%w: warmup %d not in 1..window", ErrConfig, c.Warmup)
	case c.Smooth < 1 || c.Smooth > maxSmooth || c.Smooth > c.Window:
		return c, fmt.Errorf("%w: smooth %d not in 1..%d", ErrConfig, c.Smooth, maxSmooth)
	}
	return c, nil
}

// Threshold returns the score above which a frame counts as moving, for a
// sensitivity of 1 (least sensitive) to 10. The score is the relative rise
// of recent P-frame sizes over the baseline, in units of the baseline's
// robust spread, so the threshold is in "sigmas".
func Threshold(sensitivity int) float64 {
	if sensitivity < 1 {
		sensitivity = 1
	}
	if sensitivity > 10 {
		sensitivity = 10
	}
	return thresholds[sensitivity-1]
}

// thresholds fall roughly geometrically: each step finds noticeably
// smaller motion. 5 (the default) wants the recent median three robust
// sigmas above normal, which CRF cameras reach when a person walks by.
var thresholds = [10]float64{6, 5, 4.2, 3.6, 3, 2.6, 2.2, 1.9, 1.6, 1.3}

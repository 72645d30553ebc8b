package quality

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrTruth marks a ground-truth file that cannot be used.
var ErrTruth = errors.New("quality: bad ground truth")

// Set names what a clip tests: motion to find, clutter that must raise
// nothing, or tampering (scored by tamper findings, not motion).
type Set string

// The clip sets of truth.json.
const (
	SetMotion  Set = "motion"
	SetClutter Set = "clutter"
	SetTamper  Set = "tamper"
)

// Interval is a span of a clip in seconds from its start.
type Interval struct {
	Start, End float64
	// Reported is when a detector announced the interval's start, which
	// may be later than Start (hysteresis dates Start back to the first
	// moving frame); 0 means at Start.
	Reported float64
}

// reported is when the interval was announced.
func (iv Interval) reported() float64 {
	if iv.Reported == 0 {
		return iv.Start
	}
	return iv.Reported
}

// UnmarshalJSON reads the compact [start, end] form truth.json uses.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var p [2]float64
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	iv.Start, iv.End, iv.Reported = p[0], p[1], 0
	return nil
}

// Tamper is a tamper finding a clip should raise: its kind and the second
// the tampering begins.
type Tamper struct {
	Kind string  `json:"kind"`
	At   float64 `json:"at"`
}

// Clip is one labelled clip: testdata/clips/<Name>.h264.
type Clip struct {
	Name   string     `json:"name"`
	Set    Set        `json:"set"`
	Motion []Interval `json:"motion"`
	Tamper []Tamper   `json:"tamper"`
}

// Truth is the clip set's ground truth; every clip shares one format.
type Truth struct {
	FPS     float64 `json:"fps"`
	Seconds float64 `json:"seconds"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Clips   []Clip  `json:"clips"`
}

// LoadTruth reads and checks a ground-truth file.
func LoadTruth(path string) (Truth, error) {
	var t Truth
	b, err := os.ReadFile(path)
	if err != nil {
		return t, fmt.Errorf("%w: %w", ErrTruth, err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%w: %s: %w", ErrTruth, path, err)
	}
	if t.FPS <= 0 || t.Seconds <= 0 || len(t.Clips) == 0 {
		return t, fmt.Errorf("%w: %s: fps, seconds and clips are required", ErrTruth, path)
	}
	for _, c := range t.Clips {
		switch c.Set {
		case SetMotion, SetClutter, SetTamper:
		default:
			return t, fmt.Errorf("%w: clip %q: unknown set %q", ErrTruth, c.Name, c.Set)
		}
		for _, iv := range c.Motion {
			if iv.Start < 0 || iv.End <= iv.Start || iv.End > t.Seconds {
				return t, fmt.Errorf("%w: clip %q: interval %v outside the clip", ErrTruth, c.Name, iv)
			}
		}
	}
	return t, nil
}

// Clip returns the named clip's truth.
func (t Truth) Clip(name string) (Clip, bool) {
	for _, c := range t.Clips {
		if c.Name == name {
			return c, true
		}
	}
	return Clip{}, false
}

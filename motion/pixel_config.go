package motion

import (
	"cmp"
	"fmt"
	"math"
	"time"
)

// Pixel detector defaults. They are tuned for the edge agent's detect rate
// (5 fps, 320 px wide, grayscale); a zero PixelConfig uses them all.
const (
	// DefaultMinArea is the smallest region, in percent of the frame, that
	// counts as motion: a person at 30 m on a 320x240 picture is about
	// 0.5 %; a leaf or a moth near the lens mostly smaller.
	DefaultMinArea = 0.25
	// DefaultAbsorb is how long a pixel may differ from the background
	// before the background takes it over: a parked car or a person who
	// stopped becomes scenery after this long.
	DefaultAbsorb = 10 * time.Second
	// DefaultGlobalChange is the fraction of the unmasked picture that may
	// change at once before the change is called lighting, not motion.
	DefaultGlobalChange = 0.35
	// DefaultBrightnessJump is the change of the picture's median
	// brightness between two frames that is called a lighting switch.
	DefaultBrightnessJump = 0.10
	// DefaultSettle is how long the detector only relearns after a
	// lighting switch, while auto-exposure and the IR filter settle.
	DefaultSettle = time.Second
	// DefaultPixelWarmup is the number of frames learnt before anything
	// is scored: two seconds at 5 fps.
	DefaultPixelWarmup = 10
	// MaxZones is how many zones a detector can tell apart.
	MaxZones = 32
	// maxBoxes caps the boxes reported per frame, largest first.
	maxBoxes = 16
	// Frame size limits: the 3x3 filter needs a border, and anything
	// larger than 4096 is not a detect-rate picture.
	minFrameSide = 8
	maxFrameSide = 4096
)

// Point is a position in a picture in normalised coordinates: 0,0 is the
// top left corner, 1,1 the bottom right, so one polygon fits every
// resolution the camera or the detect scaler uses.
type Point struct {
	X float64 `json:"x" yaml:"x"`
	Y float64 `json:"y" yaml:"y"`
}

// Polygon is a named area of the picture, a zone or a mask: at least three
// points, closed implicitly, even-odd filled.
type Polygon struct {
	Name   string  `json:"name" yaml:"name"`
	Points []Point `json:"points" yaml:"points"`
}

// PixelConfig tunes one PixelDetector. The zero value is usable.
type PixelConfig struct {
	// Sensitivity 1..10: higher finds fainter differences (lower
	// per-pixel threshold in units of the pixel's noise).
	Sensitivity int
	// MinArea is the smallest connected region counted, in percent of
	// the frame (0 < MinArea <= 100).
	MinArea float64
	// SmallArea (0 < SmallArea <= MinArea, percent of the frame) is the
	// smallest region that counts when it is compact and tracked for
	// SmallFrames consecutive frames on a clean picture (a distant
	// person; see small.go). Default DefaultSmallArea, at most MinArea;
	// SmallArea equal to MinArea turns tracking off.
	SmallArea float64
	// SmallFrames is how many consecutive frames a small region must be
	// tracked before it counts.
	SmallFrames int
	// MinDuration is how long frames must keep moving before a Start.
	MinDuration time.Duration
	// PostRoll is how long frames must stay quiet before an End.
	PostRoll time.Duration
	// Zones name parts of the picture; a result says which ones moving
	// regions touched. They do not limit detection: use Masks for that.
	Zones []Polygon
	// Masks remove parts of the picture (a tree, a busy road, a
	// timestamp overlay) from detection entirely.
	Masks []Polygon
	// Absorb is how long a pixel may stay changed before it becomes
	// background.
	Absorb time.Duration
	// GlobalChange is the changed fraction of the unmasked picture (0..1]
	// above which the frame is a lighting change and the background is
	// re-learnt instead of raising motion.
	GlobalChange float64
	// BrightnessJump is the relative change of median brightness between
	// consecutive frames (0..1] that is a lighting switch.
	BrightnessJump float64
	// Settle is how long the detector only relearns after a lighting
	// change.
	Settle time.Duration
	// Warmup is the number of frames learnt before scoring.
	Warmup int
}

func (c PixelConfig) withDefaults() (PixelConfig, error) {
	c.Sensitivity = cmp.Or(c.Sensitivity, DefaultSensitivity)
	c.MinArea = cmp.Or(c.MinArea, DefaultMinArea)
	c.SmallArea = cmp.Or(c.SmallArea, min(DefaultSmallArea, c.MinArea))
	c.SmallFrames = cmp.Or(c.SmallFrames, DefaultSmallFrames)
	c.MinDuration = cmp.Or(c.MinDuration, DefaultMinDuration)
	c.PostRoll = cmp.Or(c.PostRoll, DefaultPostRoll)
	c.Absorb = cmp.Or(c.Absorb, DefaultAbsorb)
	c.GlobalChange = cmp.Or(c.GlobalChange, DefaultGlobalChange)
	c.BrightnessJump = cmp.Or(c.BrightnessJump, DefaultBrightnessJump)
	c.Settle = cmp.Or(c.Settle, DefaultSettle)
	c.Warmup = cmp.Or(c.Warmup, DefaultPixelWarmup)
	switch {
	case c.Sensitivity < 1 || c.Sensitivity > 10:
		return c, fmt.Errorf("%w: sensitivity %d not in 1..10", ErrConfig, c.Sensitivity)
	case !(c.MinArea > 0 && c.MinArea <= 100):
		return c, fmt.Errorf("%w: min area %g%% not in (0, 100]", ErrConfig, c.MinArea)
	case !(c.SmallArea > 0 && c.SmallArea <= c.MinArea):
		return c, fmt.Errorf("%w: small area %g%% not in (0, min area %g%%]", ErrConfig, c.SmallArea, c.MinArea)
	case c.SmallFrames < 1 || c.SmallFrames > 100:
		return c, fmt.Errorf("%w: small frames %d not in 1..100", ErrConfig, c.SmallFrames)
	case c.MinDuration < 0 || c.PostRoll < 0 || c.Absorb < 0 || c.Settle < 0:
		return c, fmt.Errorf("%w: negative duration", ErrConfig)
	case !(c.GlobalChange > 0 && c.GlobalChange <= 1):
		return c, fmt.Errorf("%w: global change %g not in (0, 1]", ErrConfig, c.GlobalChange)
	case !(c.BrightnessJump > 0 && c.BrightnessJump <= 1):
		return c, fmt.Errorf("%w: brightness jump %g not in (0, 1]", ErrConfig, c.BrightnessJump)
	case c.Warmup < 1 || c.Warmup > 1000:
		return c, fmt.Errorf("%w: warmup %d not in 1..1000 frames", ErrConfig, c.Warmup)
	case len(c.Zones) > MaxZones:
		return c, fmt.Errorf("%w: %d zones, at most %d", ErrConfig, len(c.Zones), MaxZones)
	}
	seen := make(map[string]bool, len(c.Zones))
	for i, z := range c.Zones {
		if z.Name == "" {
			return c, fmt.Errorf("%w: zone %d has no name", ErrConfig, i)
		}
		if seen[z.Name] {
			return c, fmt.Errorf("%w: zone %q named twice", ErrConfig, z.Name)
		}
		seen[z.Name] = true
		if err := z.check(); err != nil {
			return c, fmt.Errorf("%w: zone %q: %w", ErrConfig, z.Name, err)
		}
	}
	for i, m := range c.Masks {
		if err := m.check(); err != nil {
			return c, fmt.Errorf("%w: mask %d: %w", ErrConfig, i, err)
		}
	}
	return c, nil
}

func (p Polygon) check() error {
	if len(p.Points) < 3 {
		return fmt.Errorf("%d points, need at least 3", len(p.Points))
	}
	for _, pt := range p.Points {
		if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || pt.X < 0 || pt.X > 1 || pt.Y < 0 || pt.Y > 1 {
			return fmt.Errorf("point (%g, %g) outside 0..1", pt.X, pt.Y)
		}
	}
	return nil
}

// pixelK is the per-pixel threshold in units of the pixel's mean absolute
// deviation, times 16, per sensitivity: a Gaussian's mean absolute
// deviation is 0.8 sigma, so 3.5 (the default) is about 4.4 sigma, rare
// enough that the 3x3 majority filter removes what noise gets through.
var pixelK = [10]int32{96, 80, 72, 64, 56, 48, 44, 40, 36, 32}

// pixelFloor is the smallest difference, in gray levels, that can count
// at all, per sensitivity: it keeps a noiseless (flat, synthetic, or
// heavily denoised) picture from triggering on one level of jitter.
var pixelFloor = [10]int32{30, 25, 21, 18, 15, 13, 11, 9, 8, 7}

package detect

import (
	"fmt"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/motion"
)

// Kind is a camera's motion detector as its configuration names it.
type Kind string

// The detectors.
const (
	// Auto is the gate, kept open for good while the camera's own stream
	// shows its compressed signal unusable (rate-controlled, or flat for
	// minutes): the default, because it works on every encoder.
	Auto Kind = "auto"
	// Compressed reads frame sizes only, without decoding: for
	// constant-quality encoders, at almost no CPU.
	Compressed Kind = "compressed"
	// Pixel decodes every frame at the detect rate.
	Pixel Kind = "pixel"
	// Gate decodes only while the compressed tier sees activity (and a
	// pre-roll), keyframes otherwise.
	Gate Kind = "gate"
)

// Kinds lists the detectors in the order reports show them.
var Kinds = []Kind{Compressed, Pixel, Gate, Auto}

// Config is one camera's detection settings.
type Config struct {
	Kind Kind
	// Compressed tunes the compressed tier (every kind but Pixel runs it:
	// the gate and auto read it to open the decoder).
	Compressed motion.Config
	// Pixel tunes the pixel detector (every kind but Compressed).
	Pixel motion.PixelConfig
	// Tamper tunes the picture-fault detector, which runs on the same
	// decoded frames.
	Tamper motion.TamperConfig
	// FPS and Width are the detect rate and the gray picture's width;
	// zero takes decode's defaults (5 fps, 320 px).
	FPS   float64
	Width int
	// SnapshotWidth is the width of colour snapshots: 0 is the stream's
	// own, at most DefaultSnapshotWidth.
	SnapshotWidth int
	// MaxDecodePixels bounds the picture size decoded at the detect rate:
	// a larger stream (a 4K main stream where a sub-stream was meant) is
	// decoded on its keyframes only, so one camera cannot take a core.
	// 0 is DefaultMaxDecodePixels.
	MaxDecodePixels int
}

// Defaults of Config.
const (
	// DefaultSnapshotWidth caps colour snapshots of large streams: a
	// 1920-wide JPEG at snapshot quality is 150 to 250 KiB, about the
	// event's snapshot limit.
	DefaultSnapshotWidth = 1920
	// DefaultMaxDecodePixels is a 1920x1088 picture (1080p as coded):
	// decoding it at 15 fps costs one stream about a fifth of a core
	// (docs/BENCHMARKS.md), a 4K one four times that.
	DefaultMaxDecodePixels = 1920 * 1088
)

func (c Config) decodes() bool { return c.Kind != Compressed }

func (c Config) gated() bool { return c.Kind == Gate || c.Kind == Auto }

func (c Config) compressed() bool { return c.Kind != Pixel }

func (c Config) validate() (Config, error) {
	switch c.Kind {
	case "":
		c.Kind = Auto
	case Auto, Compressed, Pixel, Gate:
	default:
		return c, fmt.Errorf("%w: detector %q is not auto, compressed, pixel or gate", motion.ErrConfig, c.Kind)
	}
	if c.SnapshotWidth < 0 || c.MaxDecodePixels < 0 {
		return c, fmt.Errorf("%w: negative snapshot width or decode limit", motion.ErrConfig)
	}
	if c.MaxDecodePixels == 0 {
		c.MaxDecodePixels = DefaultMaxDecodePixels
	}
	return c, nil
}

// FromMotion turns a camera's motion section (validated, so its defaults
// are filled in) into its detection settings; ok is false when the
// detector is off. The edge agent, `camwatch detect` and the quality
// benchmark all build their pipelines through it.
func FromMotion(m configs.Motion) (c Config, ok bool) {
	kind := Kind(m.Detector)
	switch kind {
	case "off":
		return Config{}, false
	case "":
		kind = Auto
	}
	poly := func(zs []configs.Zone) []motion.Polygon {
		var out []motion.Polygon
		for _, z := range zs {
			p := motion.Polygon{Name: z.Name}
			for _, pt := range z.Points {
				p.Points = append(p.Points, motion.Point{X: pt[0], Y: pt[1]})
			}
			out = append(out, p)
		}
		return out
	}
	return Config{
		Kind:       kind,
		Compressed: motion.Config{Sensitivity: m.Sensitivity, MinDuration: m.MinDuration, PostRoll: m.PostRoll},
		Pixel: motion.PixelConfig{
			Sensitivity: m.Sensitivity,
			MinArea:     m.MinArea,
			SmallArea:   m.SmallArea,
			MinDuration: m.MinDuration,
			PostRoll:    m.PostRoll,
			Zones:       poly(m.Zones),
			Masks:       poly(m.Masks),
		},
		FPS:           m.DetectFPS,
		Width:         m.DetectWidth,
		SnapshotWidth: m.SnapshotWidth,
	}, true
}

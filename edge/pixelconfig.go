package edge

import (
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/motion"
)

// PixelTier configures a camera's decoded-picture motion detection.
type PixelTier struct {
	Detector motion.PixelConfig
	// FPS and Width are the detect rate and gray picture width.
	FPS   float64
	Width int
	// Gate decodes only while the compressed tier sees activity (plus a
	// pre-roll), and keyframes otherwise to keep the background fresh.
	Gate bool
	// Auto (detector auto) keeps the gate open for good while the
	// camera's compressed signal is judged unusable: rate-controlled
	// (CBR: sizes stay flat while the QP moves) or flat for minutes. The
	// judgement is per camera, from its own stream, and is logged.
	Auto bool
}

// PixelConfig turns a camera's motion section into the pixel detector's
// settings; `camwatch detect` uses it too, so a clip is judged exactly as
// the camera would be.
func PixelConfig(m configs.Motion) motion.PixelConfig {
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
	return motion.PixelConfig{
		Sensitivity: m.Sensitivity,
		MinArea:     m.MinArea,
		MinDuration: m.MinDuration,
		PostRoll:    m.PostRoll,
		Zones:       poly(m.Zones),
		Masks:       poly(m.Masks),
	}
}

// CompressedConfig turns a camera's motion section into the compressed
// tier's settings.
func CompressedConfig(m configs.Motion) motion.Config {
	return motion.Config{Sensitivity: m.Sensitivity, MinDuration: m.MinDuration, PostRoll: m.PostRoll}
}

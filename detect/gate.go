package detect

import (
	"math"
	"time"
)

// gateLevel is where the gate opens, per camera: at least gateFraction of
// the compressed threshold, and gateMargin times the highest score the
// camera's frame sizes reach while its picture shows nothing (its noise),
// at most gateCap thresholds. Sensor grain on a 640x360 camera at CRF 29
// (simcam's static-640x360) lifts the compressed score past half the
// threshold in 15 % of its frames and to 1.13 thresholds at its peaks,
// without ever holding it for the compressed tier's minimum duration; with
// a fixed level at half the threshold the gate stood open on such a quiet
// camera and decoded every frame, as the pixel tier does. A walker scores
// 5 to 12 thresholds. The noise peak is a maximum that halves every
// gateMemory, raised only by frames the pixel tier does not call moving,
// so a walker does not teach the gate to stay shut, while a false opening
// (grain) does. The compressed tier's own motion still opens the gate, and
// so does a keyframe on which the pixel tier sees something.
type gateLevel struct {
	peak float64
	at   time.Time
}

const (
	gateMargin = 1.5
	gateCap    = 2
	gateMemory = time.Minute
)

// observe takes one access unit's compressed score at at; quiet is false
// while the pixel tier sees motion.
func (g *gateLevel) observe(at time.Time, score float64, quiet bool) {
	if !g.at.IsZero() && at.After(g.at) {
		g.peak *= math.Exp2(-at.Sub(g.at).Seconds() / gateMemory.Seconds())
	}
	g.at = at
	if quiet && score > g.peak {
		g.peak = score
	}
}

// level is the score that opens the gate for a compressed threshold thr.
func (g *gateLevel) level(thr float64) float64 {
	return min(gateCap*thr, max(gateFraction*thr, gateMargin*g.peak))
}

func (g *gateLevel) reset() { *g = gateLevel{} }

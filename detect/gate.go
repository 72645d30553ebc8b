package detect

// gateLevel is where the gate opens, per camera: gateMargin times the
// camera's noise level, at least gateFraction and at most gateCap of the
// compressed threshold. Sensor grain on a 640x360 camera at CRF 29
// (simcam's static-640x360) lifts the compressed score past half the
// threshold in 15 % of its frames and to 1.13 thresholds at its peaks,
// without ever holding it for the compressed tier's minimum duration; with
// a fixed level at half the threshold the gate stood open on such a quiet
// camera and decoded every frame, as the pixel tier does. A walker scores
// 5 to 12 thresholds. The noise level is the 99th percentile of the
// scores of frames the pixel tier does not call moving, followed by a
// stochastic quantile step (up gateStep x 0.99 thresholds for a frame
// above it, down gateStep x 0.01 for one below): it learns a camera's
// grain in tens of seconds and rises too slowly for a walker's ramp to
// teach the gate to stay shut. The compressed tier's own motion still
// opens the gate, and so does a keyframe on which the pixel tier sees
// something.
type gateLevel struct {
	noise float64 // in thresholds
}

const (
	gateMargin = 1.5
	gateCap    = 2
	gateStep   = 0.1
	gateQ      = 0.99
)

// observe takes one access unit's compressed score in thresholds; quiet
// is false while the pixel tier sees motion.
func (g *gateLevel) observe(score float64, quiet bool) {
	switch {
	case !quiet:
	case score > g.noise:
		g.noise += gateStep * gateQ
	default:
		g.noise = max(0, g.noise-gateStep*(1-gateQ))
	}
}

// level is the score, in thresholds, that opens the gate.
func (g *gateLevel) level() float64 {
	return min(gateCap, max(gateFraction, gateMargin*g.noise))
}

func (g *gateLevel) reset() { *g = gateLevel{} }

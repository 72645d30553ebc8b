package motion

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// TamperKind names a picture fault; the names are the health reasons and
// alert triggers that report them.
type TamperKind string

// The picture faults the tamper detector recognises, in priority order: a
// black picture explains a frozen or changed one, and a frozen picture
// says nothing about focus or framing.
const (
	// TamperBlack: the lens is covered or the picture went black — much
	// darker and flatter than this camera's own normal.
	TamperBlack TamperKind = "black"
	// TamperFrozen: frames keep arriving but show the same picture.
	TamperFrozen TamperKind = "frozen"
	// TamperSceneChange: the camera was moved or turned; its edges no
	// longer line up with the scene it learnt.
	TamperSceneChange TamperKind = "scene_change"
	// TamperBlurred: the picture lost its fine detail (defocus, a smeared
	// or fogged lens) against this camera's normal.
	TamperBlurred TamperKind = "blurred"
)

// TamperKinds lists the kinds in priority order.
var TamperKinds = []TamperKind{TamperBlack, TamperFrozen, TamperSceneChange, TamperBlurred}

// ErrTamperConfig is wrapped by every invalid tamper setting.
var ErrTamperConfig = errors.New("invalid tamper config")

// TamperConfig tunes the tamper detector; zero fields take the defaults,
// which were checked against the committed clips (no finding on the normal
// ones) and keep every finding within 10 s.
type TamperConfig struct {
	// Learn is how long the camera's normal (brightness, texture,
	// sharpness, edges) is learnt before anything is judged. Default 4 s.
	Learn time.Duration
	// Hold is how long a fault must last before it is raised, and Clear how
	// long it must be gone before it is cleared. Defaults 3 s and 2 s.
	Hold, Clear time.Duration
	// FrozenAfter is how long the picture must stay still to count as
	// frozen: longer than an encoder's skip run on a still scene, which an
	// IDR ends every GOP (so it should exceed the camera's GOP). Default
	// 5 s.
	FrozenAfter time.Duration
	// Relearn adopts a changed scene as the new normal once it has lasted
	// this long (the camera was re-aimed on purpose). Default 10 min.
	Relearn time.Duration
}

func (c TamperConfig) withDefaults() (TamperConfig, error) {
	for _, d := range []time.Duration{c.Learn, c.Hold, c.Clear, c.FrozenAfter, c.Relearn} {
		if d < 0 {
			return c, fmt.Errorf("%w: negative duration %s", ErrTamperConfig, d)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Learn, 4*time.Second)
	def(&c.Hold, 3*time.Second)
	def(&c.Clear, 2*time.Second)
	def(&c.FrozenAfter, 5*time.Second)
	def(&c.Relearn, 10*time.Minute)
	if c.Hold+c.Learn > time.Minute || c.FrozenAfter > time.Minute {
		return c, fmt.Errorf("%w: learn+hold and frozen_after must stay under a minute", ErrTamperConfig)
	}
	return c, nil
}

// Thresholds, relative to the camera's learnt normal.
const (
	// A black picture is darker than blackLuma and than blackDim of its
	// normal brightness, and has less than blackTexture of its normal
	// texture (or almost none at all).
	blackLuma    = 40.0
	blackDim     = 0.6
	blackTexture = 0.4
	blackFlatStd = 4.0
	// A frame is still when at most this fraction of its pixels differs
	// from the previous frame: frozenRel of the camera's learnt liveness
	// (the largest change it normally shows within FrozenAfter), kept
	// between frozenChanged and frozenCap. Decoding the same picture again
	// gives the same pixels (under frozenChanged whatever was learnt). An
	// encoder fed a stopped picture re-codes it at every IDR, which moves
	// a few pixels (0.6 % on the labelled frozen clip), while a live
	// camera's IDR replaces the noise its P-frames skipped and moves a
	// large part of the picture (55 % on the static clips, 18 % on the
	// dark ones). So the keyframe refresh of a frozen picture is tolerated
	// by its size, not by its position in the GOP: on a still scene the
	// refresh at the keyframe is often the only sign of life there is.
	frozenChanged = 0.0002
	frozenRel     = 0.1
	frozenCap     = 0.05
	// A blurred picture keeps less than blurSharp of its normal sharpness.
	blurSharp = 0.35
	// A scene change drops the edge correlation below sceneCorr and at
	// least sceneDrop under its normal level.
	sceneCorr = 0.45
	sceneDrop = 0.3
	// normalTau is the time constant of the normal's slow drift (dusk, a
	// dirtying lens) while no fault is suspected.
	normalTau = 2 * time.Minute
	cellSide  = 8
)

// TamperChange reports a fault being raised (Active) or cleared.
type TamperChange struct {
	Kind   TamperKind
	Active bool
	// Since is when the fault began (the first frame that showed it); At
	// is the frame that raised or cleared it.
	Since, At time.Time
	// Ended, for a clearing, is the first frame that no longer showed the
	// fault (the clearing is confirmed Clear later, at At): when the
	// picture was usable again.
	Ended time.Time
}

// TamperFeatures are one frame's measurements, exposed so that a
// technician's tool can show why a fault was (or was not) raised.
type TamperFeatures struct {
	Luma    float64 // mean luma
	Texture float64 // standard deviation of luma
	Sharp   float64 // Laplacian std over luma std: lighting-independent
	Changed float64 // fraction of pixels changed since the previous frame
	Live    float64 // the camera's learnt liveness (largest normal Changed)
	Corr    float64 // edge correlation with the learnt scene, -1..1 (0 if none)
}

type tamperState struct {
	active          bool
	candSince       time.Time // first frame of the current suspicion
	since           time.Time // of the raised fault
	clearSince      time.Time
	suspect, raised bool
}

// TamperDetector watches one camera's decoded gray frames for a covered
// lens, a frozen picture, a moved camera and a blurred lens. Each is judged
// against the camera's own normal, learnt from its first frames and
// followed slowly while nothing is wrong, so a dark street at night is not
// "black" and a grainy camera is not "sharp". It is pure and not safe for
// concurrent use; each camera owns one.
type TamperDetector struct {
	cfg TamperConfig

	w, h   int
	prev   []byte
	cells  []float64 // edge energy per cell, this frame
	ref    []float64 // learnt edge energy per cell
	start  time.Time // first frame at this size
	lastT  time.Time
	learnt bool
	n      int // frames learnt

	// normal: the learnt figures.
	luma, texture, sharp, corr float64
	// live is the learnt liveness: the largest share of pixels changed
	// between two frames within FrozenAfter, rising at once and decaying
	// over normalTau; blockMax and blockStart collect the current span.
	live       float64
	blockMax   float64
	blockStart time.Time

	sameSince time.Time // first of a run of identical frames
	state     [4]tamperState
	feat      TamperFeatures
	changes   []TamperChange
}

// NewTamper returns a tamper detector; cfg's zero fields take the
// defaults. The picture size is learnt from the first frame.
func NewTamper(cfg TamperConfig) (*TamperDetector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &TamperDetector{cfg: c}, nil
}

// Features returns the last observed frame's measurements.
func (d *TamperDetector) Features() TamperFeatures { return d.feat }

// Active returns the raised faults in priority order.
func (d *TamperDetector) Active() []TamperChange {
	var out []TamperChange
	for i, k := range TamperKinds {
		if s := d.state[i]; s.active {
			out = append(out, TamperChange{Kind: k, Active: true, Since: s.since, At: d.lastT})
		}
	}
	return out
}

// Reset forgets the camera's normal, as for a new camera, without
// reporting the clearing of raised faults (Stop does that).
func (d *TamperDetector) Reset() {
	d.w, d.h, d.learnt, d.n = 0, 0, false, 0
	d.state = [4]tamperState{}
	d.sameSince = time.Time{}
}

// Stop clears every raised fault (the stream ended: nothing can be said
// about the picture) and returns the clearings; the normal is kept.
func (d *TamperDetector) Stop(at time.Time) []TamperChange {
	d.changes = d.changes[:0]
	for i, k := range TamperKinds {
		if d.state[i].active {
			d.changes = append(d.changes, TamperChange{Kind: k, Since: d.state[i].since, At: at, Ended: at})
		}
		d.state[i] = tamperState{}
	}
	d.sameSince = time.Time{}
	return d.changes
}

// Observe measures one frame and returns the faults it raised or cleared
// (reused by the next call). A malformed frame or one older than the last
// is ignored; a new picture size restarts learning and clears all faults.
func (d *TamperDetector) Observe(f Frame) []TamperChange {
	d.changes = d.changes[:0]
	if !validFrame(f) || (!d.lastT.IsZero() && f.Time.Before(d.lastT)) {
		return d.changes
	}
	if f.Width != d.w || f.Height != d.h {
		d.Stop(f.Time)
		d.w, d.h = f.Width, f.Height
		d.prev = grow(d.prev, f.Width*f.Height)[:f.Width*f.Height]
		nc := ((f.Width + cellSide - 1) / cellSide) * ((f.Height + cellSide - 1) / cellSide)
		d.cells = grow(d.cells, nc)[:nc]
		d.ref = grow(d.ref, nc)[:nc]
		clear(d.ref)
		d.learnt, d.n, d.start = false, 0, f.Time
		d.luma, d.texture, d.sharp, d.corr = 0, 0, 0, 0
		d.live, d.blockMax, d.blockStart = 0, 0, f.Time
		d.measure(f, false)
		copy(d.prev, f.Gray[:len(d.prev)])
		d.lastT = f.Time
		return d.changes
	}
	d.measure(f, true)
	copy(d.prev, f.Gray[:len(d.prev)])
	dt := f.Time.Sub(d.lastT)
	d.lastT = f.Time
	ft := &d.feat
	if !d.learnt {
		d.n++
		w := 1 / float64(d.n)
		if d.n >= 2 {
			d.corr += (correlation(d.cells, d.ref) - d.corr) / float64(d.n-1)
		}
		d.luma += (ft.Luma - d.luma) * w
		d.texture += (ft.Texture - d.texture) * w
		d.sharp += (ft.Sharp - d.sharp) * w
		d.live = max(d.live, ft.Changed)
		d.blockMax, d.blockStart = 0, f.Time
		for i, c := range d.cells {
			d.ref[i] += (c - d.ref[i]) * w
		}
		if f.Time.Sub(d.start) >= d.cfg.Learn && d.n >= 3 {
			d.learnt = true
		}
		return d.changes
	}
	ft.Corr = correlation(d.cells, d.ref)
	ft.Live = d.live

	// Frozen: every frame for FrozenAfter was still, against this
	// camera's own liveness.
	if ft.Changed > d.stillBelow() {
		d.sameSince = time.Time{}
	} else if d.sameSince.IsZero() {
		d.sameSince = f.Time.Add(-dt)
	}
	black := ft.Luma < min(blackLuma, blackDim*d.luma) && ft.Texture < max(blackFlatStd, blackTexture*d.texture)
	frozen := !black && !d.sameSince.IsZero() && f.Time.Sub(d.sameSince) >= d.cfg.FrozenAfter
	blurred := !black && !frozen && ft.Sharp < blurSharp*d.sharp
	scene := !black && !frozen && !blurred && ft.Corr < sceneCorr && ft.Corr < d.corr-sceneDrop
	d.step(0, black, f.Time, d.cfg.Hold)
	d.step(1, frozen, d.sameSince, 0)
	d.step(2, scene, f.Time, d.cfg.Hold)
	d.step(3, blurred, f.Time, d.cfg.Hold)

	faulty := black || frozen || scene || blurred
	for _, s := range d.state {
		faulty = faulty || s.active || !s.candSince.IsZero()
	}
	d.learnLive(ft.Changed, f.Time, faulty)
	suspect := faulty || ft.Changed > 0.5
	if !suspect {
		a := 1 - math.Exp(-dt.Seconds()/normalTau.Seconds())
		d.luma += (ft.Luma - d.luma) * a
		d.texture += (ft.Texture - d.texture) * a
		d.sharp += (ft.Sharp - d.sharp) * a
		d.corr += (ft.Corr - d.corr) * a * 4
		for i, c := range d.cells {
			d.ref[i] += (c - d.ref[i]) * a
		}
	}
	// A scene change that lasts is the new normal: relearn it.
	if s := &d.state[2]; s.active && f.Time.Sub(s.since) >= d.cfg.Relearn {
		d.changes = append(d.changes, TamperChange{Kind: TamperSceneChange, Since: s.since, At: f.Time, Ended: f.Time})
		*s = tamperState{}
		d.learnt, d.n, d.start = false, 0, f.Time
		d.luma, d.texture, d.sharp, d.corr = 0, 0, 0, 0
		d.live, d.blockMax, d.blockStart = 0, 0, f.Time
		clear(d.ref)
	}
	return d.changes
}

// stillBelow is the share of changed pixels under which a frame counts
// as still for this camera.
func (d *TamperDetector) stillBelow() float64 {
	return min(frozenCap, max(frozenChanged, frozenRel*d.live))
}

// learnLive follows the camera's liveness: the largest change of each
// FrozenAfter span raises it at once (a camera whose GOP outlasted the
// learning) and lowers it slowly; spans with a fault in sight, including
// a still run not yet raised, are left out so a frozen picture is never
// learnt as normal.
func (d *TamperDetector) learnLive(changed float64, t time.Time, faulty bool) {
	d.blockMax = max(d.blockMax, changed)
	if faulty {
		d.blockMax, d.blockStart = 0, t
		return
	}
	span := t.Sub(d.blockStart)
	if span < d.cfg.FrozenAfter {
		return
	}
	if d.blockMax > d.live {
		d.live = d.blockMax
	} else {
		d.live += (d.blockMax - d.live) * (1 - math.Exp(-span.Seconds()/normalTau.Seconds()))
	}
	d.blockMax, d.blockStart = 0, t
}

// step advances one fault's raise/clear hysteresis. For a fault whose
// evidence carries its own start (frozen), from is that start and hold 0.
func (d *TamperDetector) step(i int, bad bool, from time.Time, hold time.Duration) {
	s := &d.state[i]
	t := d.lastT
	switch {
	case bad && !s.active:
		if s.candSince.IsZero() {
			s.candSince = from
		}
		if t.Sub(s.candSince) >= hold {
			s.active, s.since, s.clearSince = true, s.candSince, time.Time{}
			d.changes = append(d.changes, TamperChange{Kind: TamperKinds[i], Active: true, Since: s.since, At: t})
		}
	case bad:
		s.clearSince = time.Time{}
	case s.active:
		if s.clearSince.IsZero() {
			s.clearSince = t
		}
		if t.Sub(s.clearSince) >= d.cfg.Clear {
			d.changes = append(d.changes, TamperChange{Kind: TamperKinds[i], Since: s.since, At: t, Ended: s.clearSince})
			*s = tamperState{}
		}
	default:
		s.candSince = time.Time{}
	}
}

// measure fills d.feat and d.cells in one pass over the frame.
func (d *TamperDetector) measure(f Frame, diff bool) {
	w, h := f.Width, f.Height
	g := f.Gray[:w*h]
	cw := (w + cellSide - 1) / cellSide
	clear(d.cells)
	var sum, sum2, lap, lap2 float64
	var changed, nLap int
	for y := 0; y < h; y++ {
		row := g[y*w : y*w+w]
		crow := (y / cellSide) * cw
		var rs, rs2, rl, rl2 int64
		for x := 0; x < w; x++ {
			v := int64(row[x])
			rs += v
			rs2 += v * v
			if diff {
				if row[x] != d.prev[y*w+x] {
					changed++
				}
			}
			if x > 0 && x < w-1 && y > 0 && y < h-1 {
				l := 4*v - int64(row[x-1]) - int64(row[x+1]) - int64(g[(y-1)*w+x]) - int64(g[(y+1)*w+x])
				rl += l
				rl2 += l * l
				gx := int64(row[x+1]) - int64(row[x-1])
				gy := int64(g[(y+1)*w+x]) - int64(g[(y-1)*w+x])
				d.cells[crow+x/cellSide] += float64(abs64(gx) + abs64(gy))
			}
		}
		sum += float64(rs)
		sum2 += float64(rs2)
		lap += float64(rl)
		lap2 += float64(rl2)
		if y > 0 && y < h-1 {
			nLap += w - 2
		}
	}
	n := float64(w * h)
	mean := sum / n
	std := math.Sqrt(max(0, sum2/n-mean*mean))
	lm := lap / float64(nLap)
	lstd := math.Sqrt(max(0, lap2/float64(nLap)-lm*lm))
	d.feat = TamperFeatures{Luma: mean, Texture: std, Changed: float64(changed) / n}
	if std > 0.5 {
		d.feat.Sharp = lstd / std
	}
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// correlation is the Pearson correlation of two equal-length series; 0
// when either is flat.
func correlation(a, b []float64) float64 {
	n := float64(len(a))
	if n == 0 {
		return 0
	}
	var sa, sb float64
	for i := range a {
		sa += a[i]
		sb += b[i]
	}
	ma, mb := sa/n, sb/n
	var cab, caa, cbb float64
	for i := range a {
		x, y := a[i]-ma, b[i]-mb
		cab += x * y
		caa += x * x
		cbb += y * y
	}
	if caa < 1e-9 || cbb < 1e-9 {
		return 0
	}
	return cab / math.Sqrt(caa*cbb)
}

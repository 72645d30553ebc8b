// Package citysim simulates a city's camera network without RTSP: the
// events edge agents would send for thousands of cameras at the default
// intervals (stats every 30 s, heartbeats every 10 s, motion every few
// minutes, a few outages a day), valid and numbered as real agents number
// them. The Redis memory budget, the ingest benchmarks and the city load
// test run on it, so they measure the same traffic.
package citysim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Options shape a simulated city. Zero fields take the defaults of a
// camwatch edge (configs.Edge timing) and of the city benchmarks.
type Options struct {
	// Site names every camera's site; default "hcmc".
	Site string
	// Cameras defaults to 1000; CamerasPerAgent to 100.
	Cameras         int
	CamerasPerAgent int
	// Programs spreads cameras over community programs; default 20.
	Programs int
	// Start is the first instant simulated; default the last midnight UTC
	// before now minus one day.
	Start time.Time
	// StatsInterval and HeartbeatInterval default to 30s and 10s, the
	// edge's defaults.
	StatsInterval     time.Duration
	HeartbeatInterval time.Duration
	// MotionEvery is the mean time between motion starts on a camera;
	// default 4m ("motion every few minutes"). MotionLength is the mean
	// interval length; default 20s.
	MotionEvery  time.Duration
	MotionLength time.Duration
	// OutagesPerDay per camera; default 2, each 1 to 30 minutes offline
	// (one health event down, one up).
	OutagesPerDay float64
	Seed          uint64
}

func (o *Options) defaults() {
	if o.Site == "" {
		o.Site = "hcmc"
	}
	if o.Cameras <= 0 {
		o.Cameras = 1000
	}
	if o.CamerasPerAgent <= 0 {
		o.CamerasPerAgent = 100
	}
	if o.Programs <= 0 {
		o.Programs = 20
	}
	if o.Start.IsZero() {
		o.Start = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	}
	if o.StatsInterval <= 0 {
		o.StatsInterval = 30 * time.Second
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 10 * time.Second
	}
	if o.MotionEvery <= 0 {
		o.MotionEvery = 4 * time.Minute
	}
	if o.MotionLength <= 0 {
		o.MotionLength = 20 * time.Second
	}
	if o.OutagesPerDay <= 0 {
		o.OutagesPerDay = 2
	}
}

// City is a simulation in progress: Step produces the events of the next
// stats interval, for every camera, in time order within each camera and
// agent.
type City struct {
	o      Options
	rng    *rand.Rand
	now    time.Time // start of the next step
	cams   []*camera
	agents []*agent
}

type camera struct {
	id, agent string
	ag        *agent
	labels    event.Labels
	seq       uint64
	phase     time.Duration // offset of its stats within an interval
	online    bool
	since     time.Time
	reason    event.Reason
	downUntil time.Time
	nextDown  time.Time
	motion    bool
	motionAt  time.Time // next start, or the end while in motion
	started   time.Time
	frames    uint64
	fps       float64
	kbps      float64
}

type agent struct {
	id, epoch string
	seq       uint64
	started   time.Time
	phase     time.Duration
	cams      []*camera
}

// New lays out a city: cameras, their agents, their first schedules.
func New(o Options) *City {
	o.defaults()
	c := &City{o: o, rng: rand.New(rand.NewPCG(o.Seed, uint64(o.Cameras))), now: o.Start}
	for a := range (o.Cameras + o.CamerasPerAgent - 1) / o.CamerasPerAgent {
		c.agents = append(c.agents, &agent{
			id: fmt.Sprintf("edge-%03d", a), epoch: fmt.Sprintf("ep%08x", c.rng.Uint32()),
			started: o.Start.Add(-time.Hour), phase: time.Duration(c.rng.Int64N(int64(o.HeartbeatInterval))),
		})
	}
	for i := range o.Cameras {
		a := c.agents[i/o.CamerasPerAgent]
		cam := &camera{
			id: fmt.Sprintf("cam-%05d", i), agent: a.id, ag: a,
			labels: event.Labels{
				Program: fmt.Sprintf("program-%02d", i%o.Programs),
				Ward:    fmt.Sprintf("ward-%02d", i%24+1),
				Vendor:  []string{"hikvision", "dahua", "imou", "ezviz"}[i%4],
				Model:   fmt.Sprintf("model-%d", i%7),
			},
			phase:  time.Duration(c.rng.Int64N(int64(o.StatsInterval))),
			online: true, since: o.Start.Add(-time.Hour),
			fps: []float64{10, 12.5, 15, 25}[i%4], kbps: 256 + float64(c.rng.IntN(1800)),
		}
		cam.motionAt = o.Start.Add(c.expo(o.MotionEvery))
		cam.nextDown = o.Start.Add(c.expo(time.Duration(float64(24*time.Hour) / o.OutagesPerDay)))
		a.cams = append(a.cams, cam)
		c.cams = append(c.cams, cam)
	}
	return c
}

// Agents lists the agents' ids, for credentials.
func (c *City) Agents() []string {
	out := make([]string, len(c.agents))
	for i, a := range c.agents {
		out[i] = a.id
	}
	return out
}

// Site is the city's site.
func (c *City) Site() string { return c.o.Site }

// Cameras is how many cameras the city has.
func (c *City) Cameras() int { return len(c.cams) }

// Now is the start of the next step.
func (c *City) Now() time.Time { return c.now }

// Interval is the length of one Step: the stats interval.
func (c *City) Interval() time.Duration { return c.o.StatsInterval }

func (c *City) expo(mean time.Duration) time.Duration {
	return time.Duration(c.rng.ExpFloat64() * float64(mean))
}

// Step returns the events of the next stats interval [Now, Now+interval):
// every agent's heartbeats, then each camera's motion, health and stats
// events. Each event has a fresh id, the next seq of its camera (its
// agent, for heartbeats) and the agent's spool epoch.
func (c *City) Step() []*event.Event {
	from, to := c.now, c.now.Add(c.o.StatsInterval)
	c.now = to
	out := make([]*event.Event, 0, len(c.cams)*11/10+len(c.agents)*4)
	for _, a := range c.agents {
		for t := from.Truncate(c.o.HeartbeatInterval).Add(a.phase); t.Before(to); t = t.Add(c.o.HeartbeatInterval) {
			if t.Before(from) {
				continue
			}
			out = append(out, c.heartbeat(a, t))
		}
	}
	for _, cam := range c.cams {
		out = c.camera(out, cam, from, to)
	}
	return out
}

func (c *City) heartbeat(a *agent, t time.Time) *event.Event {
	a.seq++
	online := 0
	for _, cam := range a.cams {
		if cam.online {
			online++
		}
	}
	return &event.Event{
		Schema: 1, ID: event.NewID(), Kind: event.KindHeartbeat, Site: c.o.Site, Agent: a.id,
		Time: t, Seq: a.seq, Epoch: a.epoch,
		Heartbeat: &event.Heartbeat{
			Version: "citysim", Started: a.started, IntervalS: c.o.HeartbeatInterval.Seconds(),
			Cameras: len(a.cams), Online: online, Epoch: a.epoch,
		},
	}
}

func (c *City) base(cam *camera, kind event.Kind, t time.Time) *event.Event {
	cam.seq++
	return &event.Event{
		Schema: 1, ID: event.NewID(), Kind: kind, Site: c.o.Site, Agent: cam.agent, Camera: cam.id,
		Labels: cam.labels, Time: t, Seq: cam.seq, Epoch: cam.ag.epoch,
	}
}

func (c *City) health(cam *camera, t time.Time) *event.Health {
	h := &event.Health{Status: event.StatusOffline, Reason: cam.reason, Since: cam.since, LastFrameAgeMS: -1, WindowS: c.o.StatsInterval.Seconds()}
	if cam.online {
		jitter := 1 + (c.rng.Float64()-0.5)*0.04
		h = &event.Health{
			Status: event.StatusOnline, Since: cam.since, Codec: "h264", Width: 1280, Height: 720,
			FPS: round(cam.fps*jitter, 2), BitrateKbps: round(cam.kbps*jitter, 1), KeyframeIntervalS: 2,
			WindowS: c.o.StatsInterval.Seconds(), Frames: cam.frames, LastFrameAgeMS: int64(c.rng.IntN(200)),
		}
	}
	return h
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// camera appends one camera's events in [from, to), in time order.
func (c *City) camera(out []*event.Event, cam *camera, from, to time.Time) []*event.Event {
	stats := from.Add(cam.phase)
	for {
		// The next thing to happen: an outage starting or ending, a
		// motion edge, or the stats tick.
		next, what := stats, "stats"
		if cam.online && cam.nextDown.Before(next) {
			next, what = cam.nextDown, "down"
		}
		if !cam.online && cam.downUntil.Before(next) {
			next, what = cam.downUntil, "up"
		}
		if cam.online && cam.motionAt.Before(next) {
			next, what = cam.motionAt, "motion"
		}
		if !next.Before(to) {
			return out
		}
		if next.Before(from) {
			next = from
		}
		switch what {
		case "stats":
			if cam.online {
				cam.frames += uint64(cam.fps * c.o.StatsInterval.Seconds())
			}
			e := c.base(cam, event.KindStats, next)
			e.Health = c.health(cam, next)
			out = append(out, e)
			stats = to // one per interval
		case "down":
			if cam.motion {
				out = append(out, c.motionEnd(cam, next))
			}
			cam.online, cam.since = false, next
			cam.reason = []event.Reason{event.ReasonTimeout, event.ReasonRefused, event.ReasonStalled, event.ReasonClosed}[c.rng.IntN(4)]
			cam.downUntil = next.Add(time.Minute + time.Duration(c.rng.Int64N(int64(29*time.Minute))))
			e := c.base(cam, event.KindHealth, next)
			e.Health = c.health(cam, next)
			out = append(out, e)
		case "up":
			cam.online, cam.since, cam.reason = true, next, ""
			cam.nextDown = next.Add(c.expo(time.Duration(float64(24*time.Hour) / c.o.OutagesPerDay)))
			cam.motionAt = next.Add(c.expo(c.o.MotionEvery))
			e := c.base(cam, event.KindHealth, next)
			e.Health = c.health(cam, next)
			out = append(out, e)
		case "motion":
			if cam.motion {
				out = append(out, c.motionEnd(cam, next))
			} else {
				cam.motion, cam.started = true, next
				cam.motionAt = next.Add(time.Second + c.expo(c.o.MotionLength))
				e := c.base(cam, event.KindMotionStart, next)
				e.Motion = &event.Motion{Detector: "compressed", Score: round(0.2+c.rng.Float64()*0.7, 3), Started: next}
				out = append(out, e)
			}
		}
	}
}

func (c *City) motionEnd(cam *camera, t time.Time) *event.Event {
	cam.motion = false
	cam.motionAt = t.Add(c.expo(c.o.MotionEvery))
	e := c.base(cam, event.KindMotionEnd, t)
	e.Motion = &event.Motion{Detector: "compressed", Score: round(c.rng.Float64()*0.2, 3), Started: cam.started,
		DurationS: round(t.Sub(cam.started).Seconds(), 2)}
	return e
}

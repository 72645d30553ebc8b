package uptime

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
)

// GenerateOptions shape a synthetic city: how many cameras in how many
// programs, over how many days, how often they fail. Zero fields take the
// city-scale defaults of the benchmark.
type GenerateOptions struct {
	// Cameras defaults to 10000, Programs to 50, Days to 90.
	Cameras  int
	Programs int
	Days     int
	// OutagesPerWeek per camera; default 3. One in ten is a degraded-free
	// short flap (under 10 minutes), the rest last 2 minutes to 6 hours.
	OutagesPerWeek float64
	// CamerasPerAgent is how many cameras one edge agent watches; default
	// 100. Each agent is lost about once a month for up to an hour.
	CamerasPerAgent int
	// Site names the site of every camera; default "hcmc".
	Site string
	// End is the end of the history (its last heartbeat); default now.
	End  time.Time
	Seed uint64
}

func (o *GenerateOptions) defaults() {
	if o.Cameras <= 0 {
		o.Cameras = 10000
	}
	if o.Programs <= 0 {
		o.Programs = 50
	}
	if o.Days <= 0 {
		o.Days = 90
	}
	if o.OutagesPerWeek <= 0 {
		o.OutagesPerWeek = 3
	}
	if o.CamerasPerAgent <= 0 {
		o.CamerasPerAgent = 100
	}
	if o.Site == "" {
		o.Site = "hcmc"
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	o.End = o.End.Truncate(time.Millisecond)
}

// Synthesize builds a city history in memory, with the millisecond
// precision Redis keeps, so a report over it equals a report over what
// Generate writes. Offline reasons and durations vary; agent loss comes as
// AgentLost spans. The same options and seed give the same history.
func Synthesize(o GenerateOptions) *History {
	o.defaults()
	rng := rand.New(rand.NewPCG(o.Seed, uint64(o.Cameras)))
	start := o.End.Add(-time.Duration(o.Days) * 24 * time.Hour)
	span := o.End.Sub(start)
	ms := func(d time.Duration) time.Duration { return d.Truncate(time.Millisecond) }
	h := &History{AgentLost: map[string][]Span{}}
	agents := (o.Cameras + o.CamerasPerAgent - 1) / o.CamerasPerAgent
	for a := range agents {
		id := fmt.Sprintf("edge-%03d", a)
		for m := 0; m < o.Days/30; m++ {
			f := start.Add(ms(time.Duration(m)*30*24*time.Hour + time.Duration(rng.Int64N(int64(29*24*time.Hour)))))
			h.AgentLost[id] = append(h.AgentLost[id], Span{f, f.Add(ms(time.Duration(1+rng.IntN(60)) * time.Minute))})
		}
	}
	reasons := []string{"timeout", "refused", "stalled", "closed", "auth_failed"}
	h.Cameras = make([]Camera, o.Cameras)
	for i := range h.Cameras {
		c := &h.Cameras[i]
		c.Site, c.ID = o.Site, fmt.Sprintf("cam-%05d", i)
		c.Agent = fmt.Sprintf("edge-%03d", i/o.CamerasPerAgent)
		c.Labels = event.Labels{
			Program: fmt.Sprintf("program-%02d", i%o.Programs),
			Ward:    fmt.Sprintf("ward-%02d", i%24+1),
			Vendor:  []string{"hikvision", "dahua", "imou", "ezviz"}[i%4],
			Model:   fmt.Sprintf("model-%d", i%7),
		}
		seq := uint64(1)
		add := func(t time.Time, s State, reason string) {
			c.Transitions = append(c.Transitions, Transition{Time: t, Seq: seq, State: s, Reason: reason})
			seq++
		}
		// A few cameras join late, so groups hold cameras added mid-window.
		first := start.Add(-time.Hour)
		if i%97 == 0 {
			first = start.Add(ms(time.Duration(rng.Int64N(int64(span / 2)))))
		}
		add(first, Online, "")
		n := int(o.OutagesPerWeek*float64(o.Days)/7 + 0.5)
		if n == 0 {
			continue
		}
		gap := span / time.Duration(n)
		for k := range n {
			at := start.Add(ms(time.Duration(k)*gap + time.Duration(rng.Int64N(int64(gap/2)))))
			if !at.After(first) {
				continue
			}
			long := time.Duration(2+rng.IntN(358)) * time.Minute
			if rng.IntN(10) == 0 {
				long = time.Duration(10+rng.IntN(590)) * time.Second
			}
			add(at, Offline, reasons[rng.IntN(len(reasons))])
			if back := at.Add(ms(long)); back.Before(o.End) {
				add(back, Online, "")
			}
		}
	}
	return h
}

// Writer stores a status history; camstate.Store implements it.
type Writer interface {
	WriteHistory(ctx context.Context, site string, cams []camstate.CameraHistory, agents []camstate.AgentHistory) error
}

// Generate writes a synthesized city through w, as the ingester would
// have stored it (docs/redis.md): the camera index and state hashes,
// transitions, agent heartbeats (the last one at End) and agent gaps. It
// returns what it wrote, for comparison.
func Generate(ctx context.Context, w Writer, o GenerateOptions) (*History, error) {
	o.defaults()
	h := Synthesize(o)
	return h, Write(ctx, w, o.Site, o.End, h)
}

// Write stores h through w as the ingester would have, with every
// camera's last event and every agent's last heartbeat at end, so that a
// Source reading at end sees h again. A camera without a site, and every
// agent, is stored at site.
func Write(ctx context.Context, w Writer, site string, end time.Time, h *History) error {
	cams, as := toStore(site, end, h)
	return w.WriteHistory(ctx, site, cams, as)
}

// toStore converts h into the store's records, every camera's last event
// and every agent's last heartbeat at end.
func toStore(site string, end time.Time, h *History) ([]camstate.CameraHistory, []camstate.AgentHistory) {
	cams := make([]camstate.CameraHistory, len(h.Cameras))
	agents := map[string]bool{}
	for i := range h.Cameras {
		c := &h.Cameras[i]
		ref := c.Ref()
		if ref.Site == "" {
			ref.Site = site
		}
		ch := camstate.CameraHistory{Ref: ref, Agent: c.Agent, Labels: c.Labels, LastEvent: end,
			Changes: make([]camstate.StatusChange, len(c.Transitions))}
		for j, t := range c.Transitions {
			ch.Changes[j] = camstate.StatusChange{Since: t.Time, Seq: t.Seq, Status: string(t.State), Reason: t.Reason}
		}
		cams[i] = ch
		agents[c.Agent] = true
	}
	for a := range h.AgentLost {
		agents[a] = true
	}
	as := make([]camstate.AgentHistory, 0, len(agents))
	for a := range agents {
		ah := camstate.AgentHistory{ID: a, LastHeartbeat: end}
		for _, sp := range h.AgentLost[a] {
			ah.Losses = append(ah.Losses, camstate.Loss{From: sp.From, To: sp.To})
		}
		as = append(as, ah)
	}
	slices.SortFunc(as, func(a, b camstate.AgentHistory) int { return strings.Compare(a.ID, b.ID) })
	return cams, as
}

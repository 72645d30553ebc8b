package uptime

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
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
		c.ID = fmt.Sprintf("cam-%05d", i)
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

// Generate writes a synthesized city into Redis under prefix in the layout
// the ingester writes (docs/redis.md): the camera index and state hashes,
// transitions, agent heartbeats (the last one at End) and agent gaps, all
// pipelined. It returns what it wrote, for comparison.
func Generate(ctx context.Context, rdb redis.UniversalClient, prefix string, o GenerateOptions) (*History, error) {
	o.defaults()
	h := Synthesize(o)
	return h, Write(ctx, rdb, prefix, o.Site, o.End, h)
}

// Write stores h under prefix as the ingester would have, with every
// agent's last heartbeat at end, so that a Source reading at end sees h
// again. Each transition is stored with an event time a few seconds after
// it began, as an agent reports it after detection.
func Write(ctx context.Context, rdb redis.UniversalClient, prefix, site string, end time.Time, h *History) error {
	const chunk = 200
	for lo := 0; lo < len(h.Cameras); lo += chunk {
		hi := min(lo+chunk, len(h.Cameras))
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := lo; i < hi; i++ {
				if err := writeCamera(ctx, p, prefix, site, end, &h.Cameras[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis write cameras: %w", err)
		}
	}
	agents := map[string]bool{}
	for i := range h.Cameras {
		agents[h.Cameras[i].Agent] = true
	}
	for a := range h.AgentLost {
		agents[a] = true
	}
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for a := range agents {
			hb := event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHeartbeat, Site: site, Agent: a, Time: end, Seq: 1,
				Heartbeat: &event.Heartbeat{Version: "generated", Started: end, IntervalS: 5}}
			data, err := json.Marshal(hb)
			if err != nil {
				return err
			}
			k := prefix + ":agent:" + a
			p.HSet(ctx, prefix+":agents", a, string(data))
			p.HSet(ctx, k, "seq", 1, "time_ms", end.UnixMilli(), "kind", string(event.KindHeartbeat), "site", site)
			if spans := h.AgentLost[a]; len(spans) > 0 {
				zs := make([]redis.Z, len(spans))
				for j, s := range spans {
					zs[j] = redis.Z{Score: float64(s.From.UnixMilli()), Member: GapMember(s)}
				}
				p.ZAdd(ctx, k+":gaps", zs...)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis write agents: %w", err)
	}
	return nil
}

func writeCamera(ctx context.Context, p redis.Pipeliner, prefix, site string, end time.Time, c *Camera) error {
	k := prefix + ":cam:" + c.ID
	labels, err := json.Marshal(c.Labels)
	if err != nil {
		return err
	}
	var last Transition
	if len(c.Transitions) > 0 {
		zs := make([]redis.Z, len(c.Transitions))
		for j, t := range c.Transitions {
			stored := t.Time.Add(3 * time.Second)
			b, err := json.Marshal(storedTransition{Status: event.Status(t.State), Reason: t.Reason, Since: t.Time.UTC(), Time: stored.UTC(), Seq: t.Seq})
			if err != nil {
				return err
			}
			zs[j] = redis.Z{Score: float64(stored.UnixMilli()), Member: string(b)}
			if t.Seq >= last.Seq {
				last = t
			}
		}
		p.ZAdd(ctx, k+":transitions", zs...)
	}
	p.SAdd(ctx, prefix+":cameras", c.ID)
	p.HSet(ctx, k, "seq", strconv.FormatUint(last.Seq+1, 10), "time_ms", end.UnixMilli(),
		"time", end.UTC().Format(time.RFC3339Nano), "kind", string(event.KindStats),
		"agent", c.Agent, "site", site, "labels", string(labels),
		"status", string(last.State), "reason", last.Reason, "since", last.Time.UTC().Format(time.RFC3339Nano))
	return nil
}

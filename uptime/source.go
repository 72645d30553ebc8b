package uptime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned by Source.Camera for a camera Redis never heard of.
var ErrNotFound = errors.New("camera not found")

// SourceOptions say where the ingester's keys are and how to read liveness.
type SourceOptions struct {
	// Prefix starts every key (redis.prefix); default "camwatch".
	Prefix string
	// AgentTimeout is the aggregator's agent_timeout: an agent silent for
	// longer is lost from its last heartbeat + AgentTimeout; default 30s.
	AgentTimeout time.Duration
	// Stale marks a camera removed: when its last event is older than
	// Stale while its agent still sends heartbeats, the camera left the
	// agent's config at its last event; default 1h.
	Stale time.Duration
	// Silent marks a camera's state unknown from its last event on when
	// its agent has gone on sending heartbeats for longer than Silent
	// since then: an agent reports every camera at least every stats
	// interval (30 s by default), so such a camera is no longer watched
	// (taken out of the config, or its watch broke), and its last report
	// must not be held until Stale decides; default 2m. Keep it above
	// three stats intervals of the agents.
	Silent time.Duration
	// Slack reads transitions stored up to this long after the window, so
	// a state change detected just after the window's end but begun inside
	// it (its since) is counted; default 10m.
	Slack time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Source reads report histories from the Redis layout the ingester writes
// (docs/redis.md), so a report needs no state of its own: Redis (rebuilt
// from JetStream if need be) is the one record. It is safe for concurrent
// use.
type Source struct {
	rdb  redis.UniversalClient
	p    string
	opts SourceOptions
}

// NewSource returns a source on rdb; it does not touch Redis yet.
func NewSource(rdb redis.UniversalClient, opts SourceOptions) *Source {
	if opts.Prefix == "" {
		opts.Prefix = "camwatch"
	}
	if opts.AgentTimeout <= 0 {
		opts.AgentTimeout = 30 * time.Second
	}
	if opts.Stale <= 0 {
		opts.Stale = time.Hour
	}
	if opts.Silent <= 0 {
		opts.Silent = 2 * time.Minute
	}
	if opts.Slack <= 0 {
		opts.Slack = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Source{rdb: rdb, p: opts.Prefix, opts: opts}
}

// sourceChunk is how many cameras one pipeline reads; sourceWorkers
// pipelines run at once, so decoding overlaps the next round trip.
const (
	sourceChunk   = 500
	sourceWorkers = 4
)

// History reads every camera's transitions that matter to window w (those
// stored inside it, plus the last one before it) and its agent's loss.
func (s *Source) History(ctx context.Context, w Span) (*History, error) {
	ids, err := s.rdb.SMembers(ctx, s.p+":cameras").Result()
	if err != nil {
		return nil, fmt.Errorf("redis cameras: %w", err)
	}
	slices.Sort(ids)
	return s.read(ctx, ids, w)
}

// Camera reads one camera's history for window w, or ErrNotFound.
func (s *Source) Camera(ctx context.Context, id string, w Span) (*History, error) {
	h, err := s.read(ctx, []string{id}, w)
	if err != nil {
		return nil, err
	}
	if len(h.Cameras) == 0 {
		return nil, fmt.Errorf("camera %s: %w", id, ErrNotFound)
	}
	return h, nil
}

// Cameras reads the histories of the cameras ids for window w (those
// Redis never heard of are left out): a timeline or a case of a few
// cameras in a city of thousands.
func (s *Source) Cameras(ctx context.Context, ids []string, w Span) (*History, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return s.read(ctx, slices.Compact(ids), w)
}

func (s *Source) read(ctx context.Context, ids []string, w Span) (*History, error) {
	now := s.opts.Now()
	cams := make([]Camera, len(ids))
	found := make([]bool, len(ids))
	errs := make(chan error, sourceWorkers)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(sourceWorkers, (len(ids)+sourceChunk-1)/sourceChunk) {
		wg.Go(func() {
			for lo := range work {
				hi := min(lo+sourceChunk, len(ids))
				if err := s.readCameras(ctx, ids[lo:hi], cams[lo:hi], found[lo:hi], w); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(work)
		for lo := 0; lo < len(ids); lo += sourceChunk {
			select {
			case work <- lo:
			case <-ctx.Done():
				return
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := &History{AgentLost: map[string][]Span{}}
	h.Cameras = make([]Camera, 0, len(cams))
	var agents []string
	for i := range cams {
		if found[i] {
			h.Cameras = append(h.Cameras, cams[i])
			agents = append(agents, cams[i].Agent)
		}
	}
	slices.Sort(agents)
	agents = slices.Compact(agents)
	seen, err := s.readAgents(ctx, h, agents, w, now)
	if err != nil {
		return nil, err
	}
	for i := range h.Cameras {
		s.markRemoved(&h.Cameras[i], seen, now)
	}
	if h.Maintenance, err = s.maintenanceIn(ctx, w); err != nil {
		return nil, err
	}
	return h, nil
}

// readCameras fills cams[i] for ids[i] with one pipelined round trip.
func (s *Source) readCameras(ctx context.Context, ids []string, cams []Camera, found []bool, w Span) error {
	type cmds struct {
		state  *redis.SliceCmd
		before *redis.StringSliceCmd
		inside *redis.StringSliceCmd
	}
	cs := make([]cmds, len(ids))
	from := strconv.FormatInt(w.From.UnixMilli(), 10)
	to := strconv.FormatInt(w.To.Add(s.opts.Slack).UnixMilli(), 10)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			k := s.p + ":cam:" + id
			cs[i].state = p.HMGet(ctx, k, "agent", "labels", "time_ms")
			cs[i].before = p.ZRevRangeByScore(ctx, k+":transitions", &redis.ZRangeBy{Min: "-inf", Max: "(" + from, Count: 1})
			cs[i].inside = p.ZRangeByScore(ctx, k+":transitions", &redis.ZRangeBy{Min: from, Max: to})
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redis transitions: %w", err)
	}
	for i, id := range ids {
		vals := cs[i].state.Val()
		if len(vals) != 3 || vals[0] == nil && vals[2] == nil {
			continue // listed but never stored: nothing to report
		}
		c := &cams[i]
		c.ID = id
		c.Agent, _ = vals[0].(string)
		if raw, ok := vals[1].(string); ok && raw != "" {
			_ = json.Unmarshal([]byte(raw), &c.Labels) // written from a validated event
		}
		if raw, ok := vals[2].(string); ok {
			if ms, err := strconv.ParseInt(raw, 10, 64); err == nil {
				// Removed is set later only if the camera went stale; park
				// its last event time there until then.
				c.Removed = time.UnixMilli(ms).UTC()
			}
		}
		before, inside := cs[i].before.Val(), cs[i].inside.Val()
		c.Transitions = make([]Transition, 0, len(before)+len(inside))
		for _, raw := range append(before, inside...) {
			c.Transitions = append(c.Transitions, decodeTransition(raw))
		}
		found[i] = true
	}
	return nil
}

// markRemoved turns the parked last event time into a removal when the
// camera went silent for Stale while its agent kept sending heartbeats,
// or into the start of unknown time after Silent: either way nothing after
// the camera's last event is counted as up or down.
func (s *Source) markRemoved(c *Camera, seen map[string]time.Time, now time.Time) {
	last := c.Removed
	c.Removed = time.Time{}
	if last.IsZero() || now.Sub(last) <= s.opts.Silent {
		return
	}
	hb, ok := seen[c.Agent]
	switch {
	case !ok:
	case hb.Sub(last) > s.opts.Stale:
		c.Removed = last
	case hb.Sub(last) > s.opts.Silent:
		c.Silent = last
	}
}

// readAgents fills h.AgentLost from each agent's recorded gaps and its last
// heartbeat, and returns the last heartbeat times.
func (s *Source) readAgents(ctx context.Context, h *History, agents []string, w Span, now time.Time) (map[string]time.Time, error) {
	if len(agents) == 0 {
		return nil, nil
	}
	gaps := make([]*redis.StringSliceCmd, len(agents))
	last := make([]*redis.StringCmd, len(agents))
	to := strconv.FormatInt(w.To.UnixMilli(), 10)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, a := range agents {
			k := s.p + ":agent:" + a
			gaps[i] = p.ZRangeByScore(ctx, k+":gaps", &redis.ZRangeBy{Min: "-inf", Max: "(" + to})
			last[i] = p.HGet(ctx, k, "time_ms")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis agent gaps: %w", err)
	}
	seen := make(map[string]time.Time, len(agents))
	for i, a := range agents {
		var spans []Span
		for _, m := range gaps[i].Val() {
			if sp, ok := ParseGap(m); ok && sp.To.After(w.From) {
				spans = append(spans, sp)
			}
		}
		if ms, err := strconv.ParseInt(last[i].Val(), 10, 64); err == nil {
			hb := time.UnixMilli(ms).UTC()
			seen[a] = hb
			// Still silent: lost from hb + timeout on, into the future, so
			// a window reaching past now is not counted as up.
			if lost := hb.Add(s.opts.AgentTimeout); now.After(lost) {
				spans = append(spans, Span{lost, maxTime(now, w.To)})
			}
		}
		if len(spans) > 0 {
			h.AgentLost[a] = spans
		}
	}
	return seen, nil
}

// GapMember is how an agent-loss span is stored in P:agent:<id>:gaps:
// "<from ms>-<to ms>", so writing the same gap twice is one member.
func GapMember(s Span) string {
	return strconv.FormatInt(s.From.UnixMilli(), 10) + "-" + strconv.FormatInt(s.To.UnixMilli(), 10)
}

// ParseGap reads a GapMember.
func ParseGap(m string) (Span, bool) {
	a, b, ok := strings.Cut(m, "-")
	if !ok {
		return Span{}, false
	}
	f, err1 := strconv.ParseInt(a, 10, 64)
	t, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || t <= f {
		return Span{}, false
	}
	return Span{time.UnixMilli(f).UTC(), time.UnixMilli(t).UTC()}, true
}

// storedTransition is one member of P:cam:<id>:transitions as the
// ingester writes it.
type storedTransition struct {
	Status event.Status `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Since  time.Time    `json:"since"`
	Time   time.Time    `json:"time"`
	Seq    uint64       `json:"seq"`
}

// decodeTransition converts a stored transition; damaged members become a
// transition in an invalid state, so Compute skips and counts them.
func decodeTransition(raw string) Transition {
	if t, ok := scanTransition(raw); ok {
		return t
	}
	var st storedTransition
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return Transition{State: "damaged"}
	}
	t := st.Since
	if t.IsZero() {
		t = st.Time
	}
	return Transition{Time: t.UTC(), Seq: st.Seq, State: State(st.Status), Reason: st.Reason}
}

// scanTransition reads the fields a report needs straight out of the JSON
// the ingester writes, five times faster than encoding/json, which is the
// bulk of a city-scale report. It gives up (and decodeTransition falls back
// to encoding/json) on anything unusual: an escape in a value, a missing
// field. A key cannot be matched inside a string value, since a quote in a
// JSON string is always escaped.
func scanTransition(raw string) (Transition, bool) {
	status, ok := scanString(raw, `"status":"`)
	if !ok {
		return Transition{}, false
	}
	reason, ok := scanString(raw, `"reason":"`)
	if !ok && strings.Contains(raw, `"reason":`) {
		return Transition{}, false
	}
	since, ok := scanString(raw, `"since":"`)
	if !ok {
		return Transition{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, since)
	if err != nil || t.IsZero() {
		return Transition{}, false
	}
	i := strings.Index(raw, `"seq":`)
	if i < 0 {
		return Transition{}, false
	}
	digits := raw[i+len(`"seq":`):]
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	seq, err := strconv.ParseUint(digits[:n], 10, 64)
	if err != nil {
		return Transition{}, false
	}
	return Transition{Time: t.UTC(), Seq: seq, State: State(status), Reason: reason}, true
}

// scanString returns the string value after key, refusing escapes.
func scanString(raw, key string) (string, bool) {
	i := strings.Index(raw, key)
	if i < 0 {
		return "", false
	}
	v := raw[i+len(key):]
	j := strings.IndexByte(v, '"')
	if j < 0 || strings.IndexByte(v[:j], '\\') >= 0 {
		return "", false
	}
	return v[:j], true
}

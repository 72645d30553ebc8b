package camstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// Cameras returns every known camera, sorted by id.
func (s *Store) Cameras(ctx context.Context) ([]Camera, error) {
	ids, err := s.rdb.SMembers(ctx, s.k.cameras()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis cameras: %w", err)
	}
	slices.Sort(ids)
	agents, err := s.agentSeen(ctx)
	if err != nil {
		return nil, err
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.k.camera(id))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("redis camera states: %w", err)
	}
	out := make([]Camera, 0, len(ids))
	for i, id := range ids {
		h := cmds[i].Val()
		if len(h) == 0 {
			continue
		}
		out = append(out, s.finish(cameraFromHash(id, h), agents))
	}
	if err := s.latestSnapshots(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Camera returns one camera's state, or ErrNotFound.
func (s *Store) Camera(ctx context.Context, id string) (*Camera, error) {
	h, err := s.rdb.HGetAll(ctx, s.k.camera(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis camera %s: %w", id, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("camera %s: %w", id, ErrNotFound)
	}
	agents, err := s.agentSeen(ctx)
	if err != nil {
		return nil, err
	}
	cs := []Camera{s.finish(cameraFromHash(id, h), agents)}
	if err := s.latestSnapshots(ctx, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// finish applies the agent timeout: a camera is only as alive as the agent
// that watches it. Without any heartbeat of its agent on record, the
// camera's own last event stands in for one.
func (s *Store) finish(c Camera, agents map[string]time.Time) Camera {
	seen, ok := agents[c.Agent]
	if ok {
		t := seen
		c.AgentSeen = &t
	} else {
		seen = c.LastEvent
	}
	if s.opts.Now().Sub(seen) > s.opts.AgentTimeout {
		c.Status = event.StatusUnknown
	}
	return c
}

// agentSeen maps agent id to its last heartbeat's time.
func (s *Store) agentSeen(ctx context.Context) (map[string]time.Time, error) {
	agents, err := s.Agents(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]time.Time, len(agents))
	for _, a := range agents {
		m[a.ID] = a.Seen
	}
	return m, nil
}

// Agents returns every agent's last heartbeat, sorted by id.
func (s *Store) Agents(ctx context.Context) ([]Agent, error) {
	ids, err := s.rdb.SMembers(ctx, s.k.agents()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis agents: %w", err)
	}
	hbs := make([]*redis.StringCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			hbs[i] = p.HGet(ctx, s.k.agent(id), "hb")
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis agents: %w", err)
	}
	out := make([]Agent, 0, len(ids))
	for i, id := range ids {
		raw := hbs[i].Val()
		var e event.Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Heartbeat == nil {
			continue // written by the script from a validated event; skip damage
		}
		out = append(out, Agent{
			ID: id, Site: e.Site, Seen: e.Time, Heartbeat: *e.Heartbeat,
			Lost: s.opts.Now().Sub(e.Time) > s.opts.AgentTimeout,
		})
	}
	slices.SortFunc(out, func(a, b Agent) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, nil
}

// Events returns the newest limit events of a camera with from <= time <=
// to, oldest first, keeping only the given kinds (all when none). Stats
// events are not kept one by one (see Stats for their per-minute
// roll-ups; every event stays in JetStream): the events ZSET holds every
// other kind. An event's site, agent and labels are the camera's current
// ones.
func (s *Store) Events(ctx context.Context, camera string, from, to time.Time, kinds []event.Kind, limit int) ([]*event.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	st, err := s.rdb.HMGet(ctx, s.k.camera(camera), "site", "agent", "labels").Result()
	if err != nil {
		return nil, fmt.Errorf("redis camera %s: %w", camera, err)
	}
	var site, agent string
	var labels event.Labels
	if len(st) == 3 {
		site, _ = st[0].(string)
		agent, _ = st[1].(string)
		if raw, ok := st[2].(string); ok {
			_ = json.Unmarshal([]byte(raw), &labels)
		}
	}
	want := func(k event.Kind) bool { return len(kinds) == 0 || slices.Contains(kinds, k) }
	var out []*event.Event
	page := int64(limit)
	if len(kinds) > 0 && page < 256 {
		page = 256
	}
	for offset := int64(0); len(out) < limit; offset += page {
		raw, err := s.rdb.ZRevRangeByScore(ctx, s.k.cameraEvents(camera), &redis.ZRangeBy{
			Min: strconv.FormatInt(ms(from), 10), Max: strconv.FormatInt(ms(to), 10),
			Offset: offset, Count: page,
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("redis events %s: %w", camera, err)
		}
		for _, r := range raw {
			var e event.Event
			if err := json.Unmarshal([]byte(r), &e); err != nil || !want(e.Kind) {
				continue
			}
			e.Schema, e.Camera = event.SchemaVersion, camera
			if e.Site == "" {
				e.Site, e.Agent, e.Labels = site, agent, labels
			}
			out = append(out, &e)
			if len(out) == limit {
				break
			}
		}
		if int64(len(raw)) < page {
			break
		}
	}
	slices.Reverse(out)
	return out, nil
}

// Transitions returns a camera's status changes with from <= time <= to,
// oldest first, at most limit of them (the newest).
func (s *Store) Transitions(ctx context.Context, camera string, from, to time.Time, limit int) ([]Transition, error) {
	if limit <= 0 {
		return nil, nil
	}
	raw, err := s.rdb.ZRevRangeByScore(ctx, s.k.transitions(camera), &redis.ZRangeBy{
		Min: strconv.FormatInt(ms(from), 10), Max: strconv.FormatInt(ms(to), 10),
		Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redis transitions %s: %w", camera, err)
	}
	out := make([]Transition, 0, len(raw))
	for _, r := range raw {
		var t Transition
		if err := json.Unmarshal([]byte(r), &t); err == nil {
			out = append(out, t)
		}
	}
	slices.Reverse(out)
	return out, nil
}

// RawEvent is an event as the store holds it: Data is the stored member
// (without site, agent, camera and labels, which the camera's state
// holds), Event its decoding with those restored.
type RawEvent struct {
	Data  []byte
	Event *event.Event
}

// Marks returns a camera's events (the events ZSET holds no stats: motion,
// health, clip) with from <= time <= to, oldest first, at most limit of
// them (the oldest; truncated says more matched).
func (s *Store) Marks(ctx context.Context, camera string, from, to time.Time, limit int) (out []RawEvent, truncated bool, err error) {
	if limit <= 0 {
		return nil, false, nil
	}
	var state *redis.SliceCmd
	var members *redis.StringSliceCmd
	if _, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		state = p.HMGet(ctx, s.k.camera(camera), "site", "agent", "labels")
		members = p.ZRangeByScore(ctx, s.k.cameraEvents(camera), &redis.ZRangeBy{
			Min: strconv.FormatInt(ms(from), 10), Max: strconv.FormatInt(ms(to), 10), Count: int64(limit) + 1,
		})
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("redis events %s: %w", camera, err)
	}
	var site, agent string
	var labels event.Labels
	if st := state.Val(); len(st) == 3 {
		site, _ = st[0].(string)
		agent, _ = st[1].(string)
		if raw, ok := st[2].(string); ok {
			_ = json.Unmarshal([]byte(raw), &labels)
		}
	}
	raw := members.Val()
	if len(raw) > limit {
		raw, truncated = raw[:limit], true
	}
	out = make([]RawEvent, 0, len(raw))
	for _, r := range raw {
		var e event.Event
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			continue // written by the script from a validated event; skip damage
		}
		e.Schema, e.Camera = event.SchemaVersion, camera
		if e.Site == "" {
			e.Site, e.Agent, e.Labels = site, agent, labels
		}
		out = append(out, RawEvent{Data: []byte(r), Event: &e})
	}
	return out, truncated, nil
}
// memberSeq reads the seq of an :events member.
func memberSeq(raw string) (uint64, bool) {
	var e struct {
		Seq *uint64 `json:"seq"`
	}
	if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Seq == nil {
		return 0, false
	}
	return *e.Seq, true
}

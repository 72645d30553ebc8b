package camstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// Cameras returns every known camera, sorted by site, then id.
func (s *Store) Cameras(ctx context.Context) ([]Camera, error) {
	ids, err := s.CameraRefs(ctx)
	if err != nil {
		return nil, err
	}
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
func (s *Store) Camera(ctx context.Context, id event.CameraRef) (*Camera, error) {
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

// Stored tells which events of a camera Redis stored: the seqs per
// spool epoch that its state remembers (field done). Events themselves
// stay in JetStream (ingest.Timeline reads them there and keeps those
// Stored admits, so a message the consumer refused is never listed).
func (s *Store) Stored(ctx context.Context, camera event.CameraRef) (*SeqSet, error) {
	raw, err := s.rdb.HGet(ctx, s.k.camera(camera), "done").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis camera %s: %w", camera, err)
	}
	return parseDone(raw), nil
}

// SeqSet is the seqs stored, as ranges per spool epoch.
type SeqSet struct{ epochs map[string][][2]uint64 }

// Has reports whether seq of epoch ("" for none) is stored.
func (q *SeqSet) Has(epoch string, seq uint64) bool {
	if epoch == "" {
		epoch = "-"
	}
	for _, r := range q.epochs[epoch] {
		if seq >= r[0] && seq <= r[1] {
			return true
		}
	}
	return false
}

// Count is how many seqs are stored over every epoch.
func (q *SeqSet) Count() uint64 {
	var n uint64
	for _, rs := range q.epochs {
		for _, r := range rs {
			n += r[1] - r[0] + 1
		}
	}
	return n
}

// parseDone reads apply.lua's done field: "<epoch>=<lo>-<hi>,...;...".
func parseDone(raw string) *SeqSet {
	q := &SeqSet{epochs: map[string][][2]uint64{}}
	for ep := range strings.SplitSeq(raw, ";") {
		name, ranges, ok := strings.Cut(ep, "=")
		if !ok {
			continue
		}
		for r := range strings.SplitSeq(ranges, ",") {
			a, b, ok := strings.Cut(r, "-")
			lo, err1 := strconv.ParseUint(a, 10, 64)
			hi, err2 := strconv.ParseUint(b, 10, 64)
			if ok && err1 == nil && err2 == nil && hi >= lo {
				q.epochs[name] = append(q.epochs[name], [2]uint64{lo, hi})
			}
		}
	}
	return q
}

// Transitions returns a camera's status changes with from <= time <= to,
// oldest first, at most limit of them (the newest).
func (s *Store) Transitions(ctx context.Context, camera event.CameraRef, from, to time.Time, limit int) ([]Transition, error) {
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

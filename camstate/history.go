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

// StatusChange is one stored transition of a camera, as status history
// readers (uptime) need it: when the state began (its since), the event's
// seq, the status (online, offline, degraded; "damaged" for a member that
// does not decode) and the reason.
type StatusChange struct {
	Since  time.Time
	Seq    uint64
	Status string
	Reason string
}

// CameraHistory is what a status history holds of one camera: who watches
// it, its labels, its newest event's time and its transitions.
type CameraHistory struct {
	Ref    event.CameraRef
	Agent  string
	Labels event.Labels
	// LastEvent is the time of the camera's newest event; zero if unknown.
	LastEvent time.Time
	Changes   []StatusChange
}

// Loss is a span during which an agent was lost (no heartbeat for longer
// than the agent timeout), [From, To).
type Loss struct{ From, To time.Time }

// AgentHistory is what a status history holds of one agent: its recorded
// losses and its newest heartbeat's time (zero: none on record).
type AgentHistory struct {
	ID            string
	Losses        []Loss
	LastHeartbeat time.Time
}

// CameraRefs lists every camera ever stored, sorted by site, then id. A
// member of the index that is not a reference (a key of the layout
// before site-scoped identity, docs/operations.md) is skipped.
func (s *Store) CameraRefs(ctx context.Context) ([]event.CameraRef, error) {
	ids, err := s.rdb.SMembers(ctx, s.k.cameras()).Result()
	if err != nil {
		return nil, fmt.Errorf("redis cameras: %w", err)
	}
	out := make([]event.CameraRef, 0, len(ids))
	for _, id := range ids {
		if r, err := event.ParseCameraRef(id); err == nil {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, event.CameraRef.Compare)
	return out, nil
}

// Resolve finds the cameras with id at any site, sorted by site: one for
// an id no other site reuses, several for an ambiguous one, none for an
// unknown one. It reads the whole index: the API's way of still serving a
// bare camera id, not a path for every request.
func (s *Store) Resolve(ctx context.Context, id string) ([]event.CameraRef, error) {
	all, err := s.CameraRefs(ctx)
	if err != nil {
		return nil, err
	}
	var out []event.CameraRef
	for _, r := range all {
		if r.Camera == id {
			out = append(out, r)
		}
	}
	return out, nil
}

// CameraHistories reads, with one pipelined round trip, each camera's
// state and the transitions that matter to [from, to]: the last one
// stored before from and all stored inside. found[i] is false for a
// camera listed but never stored.
func (s *Store) CameraHistories(ctx context.Context, ids []event.CameraRef, from, to time.Time) ([]CameraHistory, []bool, error) {
	type cmds struct {
		state  *redis.SliceCmd
		before *redis.StringSliceCmd
		inside *redis.StringSliceCmd
	}
	cs := make([]cmds, len(ids))
	lo, hi := strconv.FormatInt(from.UnixMilli(), 10), strconv.FormatInt(to.UnixMilli(), 10)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cs[i].state = p.HMGet(ctx, s.k.camera(id), "agent", "labels", "time_ms")
			cs[i].before = p.ZRevRangeByScore(ctx, s.k.transitions(id), &redis.ZRangeBy{Min: "-inf", Max: "(" + lo, Count: 1})
			cs[i].inside = p.ZRangeByScore(ctx, s.k.transitions(id), &redis.ZRangeBy{Min: lo, Max: hi})
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("redis transitions: %w", err)
	}
	out := make([]CameraHistory, len(ids))
	found := make([]bool, len(ids))
	for i, id := range ids {
		vals := cs[i].state.Val()
		if len(vals) != 3 || vals[0] == nil && vals[2] == nil {
			continue // listed but never stored
		}
		c := &out[i]
		c.Ref = id
		c.Agent, _ = vals[0].(string)
		if raw, ok := vals[1].(string); ok && raw != "" {
			var fast bool
			if c.Labels, fast = scanLabels(raw); !fast {
				_ = json.Unmarshal([]byte(raw), &c.Labels) // written from a validated event
			}
		}
		if raw, ok := vals[2].(string); ok {
			if ms, err := strconv.ParseInt(raw, 10, 64); err == nil {
				c.LastEvent = time.UnixMilli(ms).UTC()
			}
		}
		before, inside := cs[i].before.Val(), cs[i].inside.Val()
		c.Changes = make([]StatusChange, 0, len(before)+len(inside))
		for _, raw := range before {
			c.Changes = append(c.Changes, decodeChange(raw))
		}
		for _, raw := range inside {
			c.Changes = append(c.Changes, decodeChange(raw))
		}
		found[i] = true
	}
	return out, found, nil
}

// AgentHistories reads each agent's losses that began before to and its
// newest heartbeat's time, with one pipelined round trip.
func (s *Store) AgentHistories(ctx context.Context, agents []string, to time.Time) ([]AgentHistory, error) {
	gaps := make([]*redis.StringSliceCmd, len(agents))
	last := make([]*redis.StringCmd, len(agents))
	hi := strconv.FormatInt(to.UnixMilli(), 10)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, a := range agents {
			gaps[i] = p.ZRangeByScore(ctx, s.k.agentGaps(a), &redis.ZRangeBy{Min: "-inf", Max: "(" + hi})
			last[i] = p.HGet(ctx, s.k.agent(a), "time_ms")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis agent gaps: %w", err)
	}
	out := make([]AgentHistory, len(agents))
	for i, a := range agents {
		out[i].ID = a
		for _, m := range gaps[i].Val() {
			if l, ok := parseGap(m); ok {
				out[i].Losses = append(out[i].Losses, l)
			}
		}
		if ms, err := strconv.ParseInt(last[i].Val(), 10, 64); err == nil {
			out[i].LastHeartbeat = time.UnixMilli(ms).UTC()
		}
	}
	return out, nil
}

// gapMember is how an agent loss is stored in its gaps ZSET, as the apply
// script writes it: "<from ms>-<to ms>", so the same gap twice is one
// member.
func gapMember(l Loss) string {
	return strconv.FormatInt(l.From.UnixMilli(), 10) + "-" + strconv.FormatInt(l.To.UnixMilli(), 10)
}

func parseGap(m string) (Loss, bool) {
	a, b, ok := strings.Cut(m, "-")
	if !ok {
		return Loss{}, false
	}
	f, err1 := strconv.ParseInt(a, 10, 64)
	t, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || t <= f {
		return Loss{}, false
	}
	return Loss{time.UnixMilli(f).UTC(), time.UnixMilli(t).UTC()}, true
}

// decodeChange converts a stored transition; a damaged member becomes a
// change in the "damaged" state, which reports skip and count.
func decodeChange(raw string) StatusChange {
	if c, ok := scanTransition(raw); ok {
		return c
	}
	if c, ok := scanChange(raw); ok {
		return c
	}
	var st transition
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return StatusChange{Status: "damaged"}
	}
	t := st.Since
	if t.IsZero() {
		t = st.Time
	}
	return StatusChange{Since: t.UTC(), Seq: st.Seq, Status: string(st.Status), Reason: string(st.Reason)}
}

// scanChange reads the fields a report needs straight out of the JSON the
// apply script stores, five times faster than encoding/json, which is the
// bulk of a city-scale report. It gives up (and decodeChange falls back
// to encoding/json) on anything unusual: an escape in a value, a missing
// field. A key cannot be matched inside a string value, since a quote in
// a JSON string is always escaped.
func scanChange(raw string) (StatusChange, bool) {
	status, ok := scanString(raw, `"status":"`)
	if !ok {
		return StatusChange{}, false
	}
	reason, ok := scanString(raw, `"reason":"`)
	if !ok && strings.Contains(raw, `"reason":`) {
		return StatusChange{}, false
	}
	since, ok := scanString(raw, `"since":"`)
	if !ok {
		return StatusChange{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, since)
	if err != nil || t.IsZero() {
		return StatusChange{}, false
	}
	i := strings.Index(raw, `"seq":`)
	if i < 0 {
		return StatusChange{}, false
	}
	digits := raw[i+len(`"seq":`):]
	n := 0
	for n < len(digits) && digits[n] >= '0' && digits[n] <= '9' {
		n++
	}
	seq, err := strconv.ParseUint(digits[:n], 10, 64)
	if err != nil {
		return StatusChange{}, false
	}
	return StatusChange{Since: t.UTC(), Seq: seq, Status: status, Reason: reason}, true
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

// WriteHistory stores a status history as the apply script would have
// (camera index and state hashes, transitions, agents' heartbeats and
// losses), pipelined: the synthetic cities of the uptime benchmarks and
// `camwatch report generate`. Each agent's newest heartbeat is at its
// LastHeartbeat (its state hash and the agents' index); each camera's
// state is its last change, dated LastEvent. Each transition is stored
// with an event time a few seconds after it began, as an agent reports it
// after detection. Cameras are stored under their Ref; site is the
// agents' heartbeats' site.
func (s *Store) WriteHistory(ctx context.Context, site string, cams []CameraHistory, agents []AgentHistory) error {
	const chunk = 200
	for lo := 0; lo < len(cams); lo += chunk {
		hi := min(lo+chunk, len(cams))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := lo; i < hi; i++ {
				if err := s.writeCamera(ctx, p, &cams[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("redis write cameras: %w", err)
		}
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, a := range agents {
			if !a.LastHeartbeat.IsZero() {
				hb := event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat, Site: site, Agent: a.ID,
					Time: a.LastHeartbeat, Seq: 1, Heartbeat: &event.Heartbeat{Version: "generated", Started: a.LastHeartbeat, IntervalS: 5}}
				data, err := json.Marshal(hb)
				if err != nil {
					return err
				}
				p.SAdd(ctx, s.k.agents(), a.ID)
				p.HSet(ctx, s.k.agent(a.ID), "seq", 1, "time_ms", a.LastHeartbeat.UnixMilli(), "kind", string(event.KindHeartbeat),
					"site", site, "hb", string(data), "done", "-=1-1")
			}
			if len(a.Losses) > 0 {
				zs := make([]redis.Z, len(a.Losses))
				for j, l := range a.Losses {
					zs[j] = redis.Z{Score: float64(l.From.UnixMilli()), Member: gapMember(l)}
				}
				p.ZAdd(ctx, s.k.agentGaps(a.ID), zs...)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis write agents: %w", err)
	}
	return nil
}

func (s *Store) writeCamera(ctx context.Context, p redis.Pipeliner, c *CameraHistory) error {
	if !c.Ref.Valid() {
		return fmt.Errorf("camera history %q: %w", c.Ref.String(), event.ErrCameraRef)
	}
	labels, err := json.Marshal(c.Labels)
	if err != nil {
		return err
	}
	var last StatusChange
	if len(c.Changes) > 0 {
		zs, err := transitionMembers(c.Changes)
		if err != nil {
			return err
		}
		for _, t := range c.Changes {
			if t.Seq >= last.Seq {
				last = t
			}
		}
		p.ZAdd(ctx, s.k.transitions(c.Ref), zs...)
	}
	p.SAdd(ctx, s.k.cameras(), c.Ref.String())
	p.HSet(ctx, s.k.camera(c.Ref), "seq", strconv.FormatUint(last.Seq+1, 10), "time_ms", c.LastEvent.UnixMilli(),
		"time", c.LastEvent.UTC().Format(time.RFC3339Nano), "kind", string(event.KindStats),
		"agent", c.Agent, "site", c.Ref.Site, "labels", string(labels),
		"status", last.Status, "reason", last.Reason, "since", last.Since.UTC().Format(time.RFC3339Nano))
	return nil
}

// maintenanceKey is the HASH of maintenance windows recorded for uptime
// reports: id → the window's JSON, as uptime encodes it.
func (k keys) maintenance() string { return k.p + ":maintenance" }

// PutMaintenance records (or replaces) maintenance window id as doc.
func (s *Store) PutMaintenance(ctx context.Context, id string, doc []byte) error {
	if err := s.rdb.HSet(ctx, s.k.maintenance(), id, doc).Err(); err != nil {
		return fmt.Errorf("redis maintenance: %w", err)
	}
	return nil
}

// DeleteMaintenance forgets window id; it reports whether it was there.
func (s *Store) DeleteMaintenance(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.HDel(ctx, s.k.maintenance(), id).Result()
	if err != nil {
		return false, fmt.Errorf("redis maintenance: %w", err)
	}
	return n > 0, nil
}

// MaintenanceDocs returns every recorded window's document by id.
func (s *Store) MaintenanceDocs(ctx context.Context) (map[string]string, error) {
	raw, err := s.rdb.HGetAll(ctx, s.k.maintenance()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis maintenance: %w", err)
	}
	return raw, nil
}

// transitionMembers encodes status changes as the transitions sorted set
// holds them, each stored a few seconds after it began (as an agent
// reports it after detection).
func transitionMembers(changes []StatusChange) ([]redis.Z, error) {
	zs := make([]redis.Z, len(changes))
	for j, t := range changes {
		stored := t.Since.Add(3 * time.Second)
		b, err := json.Marshal(transition{Status: event.Status(t.Status), Reason: event.Reason(t.Reason), Since: t.Since.UTC(), Time: stored.UTC(), Seq: t.Seq})
		if err != nil {
			return nil, err
		}
		zs[j] = redis.Z{Score: float64(stored.UnixMilli()), Member: string(b)}
	}
	return zs, nil
}

// ErrSeedOverlaps refuses generated history that would not lie wholly
// before what a camera's agent already reported.
var ErrSeedOverlaps = errors.New("generated history overlaps the camera's reported history")

// SeedTransitions adds generated status changes before a camera's real
// history (the demo's month of past uptime): only the transitions, so the
// camera's state, sequence and agent stay what its agent reported. Every
// change must begin and be stored before the camera's earliest stored
// transition, else nothing is written (ErrSeedOverlaps).
func (s *Store) SeedTransitions(ctx context.Context, ref event.CameraRef, changes []StatusChange) error {
	if !ref.Valid() {
		return fmt.Errorf("seed %q: %w", ref.String(), event.ErrCameraRef)
	}
	if len(changes) == 0 {
		return nil
	}
	zs, err := transitionMembers(changes)
	if err != nil {
		return err
	}
	first, err := s.rdb.ZRangeWithScores(ctx, s.k.transitions(ref), 0, 0).Result()
	if err != nil {
		return fmt.Errorf("redis transitions %s: %w", ref, err)
	}
	if len(first) > 0 {
		for _, z := range zs {
			if z.Score >= first[0].Score {
				return fmt.Errorf("seed %s: a change stored at %s, the first reported at %s: %w", ref,
					time.UnixMilli(int64(z.Score)).UTC().Format(time.RFC3339), time.UnixMilli(int64(first[0].Score)).UTC().Format(time.RFC3339), ErrSeedOverlaps)
			}
		}
	}
	// The last generated state lasts until the camera's first reported
	// change (or, with none yet, until now at least): that is where the
	// generated history ends, not where its newest change began.
	end := s.opts.Now()
	if len(first) > 0 {
		end = time.UnixMilli(int64(first[0].Score))
	}
	for _, c := range changes {
		if c.Since.After(end) {
			end = c.Since
		}
	}
	if err := s.rdb.ZAdd(ctx, s.k.transitions(ref), zs...).Err(); err != nil {
		return fmt.Errorf("redis seed %s: %w", ref, err)
	}
	// Reports over the seeded span say it was generated: the latest end
	// of any camera's generated history is remembered (a maximum).
	if err := s.rdb.ZAdd(ctx, s.k.generated(), redis.Z{Score: float64(end.UnixMilli()), Member: ref.String()}).Err(); err != nil {
		return fmt.Errorf("redis seed %s: %w", ref, err)
	}
	return nil
}

// GeneratedUntil is when the generated history of the seeded cameras
// ends, the latest over cameras: each camera's first reported change
// (SeedTransitions), as its last generated state lasts until then; zero
// when no history was generated. A report whose window starts before it
// shows generated data.
func (s *Store) GeneratedUntil(ctx context.Context) (time.Time, error) {
	top, err := s.rdb.ZRevRangeWithScores(ctx, s.k.generated(), 0, 0).Result()
	if err != nil {
		return time.Time{}, fmt.Errorf("redis generated: %w", err)
	}
	if len(top) == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(int64(top[0].Score)).UTC(), nil
}

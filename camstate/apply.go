package camstate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// Outcome says what Apply did with one event.
type Outcome int

// Outcomes of Apply. Only OutcomeFailed asks for a retry; the others mean
// Redis has the event and its JetStream message may be acknowledged.
const (
	// OutcomeFailed: Redis did not take the event; Result.Err says why.
	OutcomeFailed Outcome = iota
	// OutcomeStored: the event is new and advanced the current state.
	OutcomeStored
	// OutcomeLate: the event is new and stored in the history, but the
	// state already holds a newer seq, so it was left alone.
	OutcomeLate
	// OutcomeDuplicate: the event id was seen before; nothing changed.
	OutcomeDuplicate
	// OutcomeSeqJump: refused, nothing changed: the seq advances by more
	// than Options.MaxSeqAdvance within one spool epoch.
	OutcomeSeqJump
	// OutcomeUnannounced: refused, nothing changed: the event's spool
	// epoch differs from its camera's and its agent has not announced it
	// in a heartbeat (yet: the heartbeat may be on its way).
	OutcomeUnannounced
	// OutcomeNewEpoch: stored and advanced the state into a new spool
	// epoch (a wiped spool); logged and counted.
	OutcomeNewEpoch
	// OutcomeHistoryKept: stored in the timeline (and, when newer, in the
	// state), but its status change was not written into history: it is
	// dated before the camera's first event, or it arrived late and was
	// already older than Options.MaxAge when stored.
	OutcomeHistoryKept
)

// String names the outcome for logs.
func (o Outcome) String() string {
	switch o {
	case OutcomeStored:
		return "stored"
	case OutcomeLate:
		return "late"
	case OutcomeDuplicate:
		return "duplicate"
	case OutcomeSeqJump:
		return "seq_jump"
	case OutcomeUnannounced:
		return "epoch_unannounced"
	case OutcomeNewEpoch:
		return "new_epoch"
	case OutcomeHistoryKept:
		return "history_kept"
	default:
		return "failed"
	}
}

// Result is Apply's answer for one event.
type Result struct {
	Outcome Outcome
	Err     error
}

// trimPeriod is how often each camera's (or agent's) ids, events and
// transitions are trimmed by age; trimming on every write cost Redis two
// commands per event.
const trimPeriod = time.Minute

// applyChunk caps the events one script call handles, so that Redis is
// never blocked for long by one batch (about 2 ms per 256 events here).
const applyChunk = 256

// Apply writes a batch of validated events with one pipelined round trip
// and one atomic script call per applyChunk events. The script is
// idempotent, so a batch may be applied again after a partial failure; a
// call Redis refuses is retried one event per call, so that one bad key
// fails only its own event. The results are in the order of evs; the
// error is set only when nothing could be attempted.
func (s *Store) Apply(ctx context.Context, evs []*event.Event) ([]Result, error) {
	return s.ApplyMessages(ctx, evs, nil, nil)
}

// ApplyMessages is Apply for the JetStream consumer: with, when raws is not nil, each event's JSON as it
// arrived and passed event.Decode, stored as is instead of encoded again
// (the ingester has it; encoding again cost about 3 µs per event).
//
// stored, when not nil, is when the stream stored each event (zero:
// unknown); an event older than Options.MaxAge then is "old".
func (s *Store) ApplyMessages(ctx context.Context, evs []*event.Event, raws [][]byte, stored []time.Time) ([]Result, error) {
	res := make([]Result, len(evs))
	recs := make([]record, len(evs))
	todo := make([]int, 0, len(evs))
	for i, e := range evs {
		var raw []byte
		if raws != nil {
			raw = raws[i]
		}
		old := stored != nil && !stored[i].IsZero() && stored[i].Sub(e.Time) > s.opts.MaxAge
		r, err := s.record(e, raw, old)
		if err != nil {
			res[i] = Result{Err: err}
			continue
		}
		recs[i] = r
		todo = append(todo, i)
	}
	var groups [][]int
	for len(todo) > 0 {
		n := min(len(todo), applyChunk)
		groups = append(groups, todo[:n])
		todo = todo[n:]
	}
	now := s.opts.Now()
	loaded := false
	for round := 0; round < 3 && len(groups) > 0; round++ {
		cmds := make([]*redis.Cmd, len(groups))
		var wait *redis.Cmd
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, g := range groups {
				keys, args := s.batch(now, recs, g)
				cmds[j] = applyScript.EvalSha(ctx, p, keys, args...)
			}
			if s.opts.WaitReplicas > 0 {
				// On the scripts' connection: WAIT counts the replicas
				// that have this connection's writes.
				wait = p.Do(ctx, "WAIT", s.opts.WaitReplicas, s.opts.WaitTimeout.Milliseconds())
			}
			return nil
		})
		if wait != nil {
			if n, err := wait.Int(); err == nil && n < s.opts.WaitReplicas {
				err = fmt.Errorf("%w: %d of %d replicas have the batch", ErrNotReplicated, n, s.opts.WaitReplicas)
				for j := range cmds {
					if cmds[j].Err() == nil {
						cmds[j].SetErr(err)
					}
				}
			}
		}
		var again [][]int
		noscript := false
		for j, g := range groups {
			out, err := cmds[j].Int64Slice()
			if err == nil && len(out) != len(g) {
				err = fmt.Errorf("script answered %d results for %d events", len(out), len(g))
			}
			switch {
			case err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") && !loaded:
				noscript = true
				again = append(again, g)
			case err != nil && len(g) > 1:
				for _, i := range g {
					again = append(again, []int{i})
				}
			case err != nil:
				res[g[0]] = Result{Err: fmt.Errorf("redis apply %s: %w", evs[g[0]].ID, err)}
			default:
				for k, i := range g {
					res[i] = Result{Outcome: outcome(out[k])}
				}
			}
		}
		if noscript {
			// Redis restarted or was flushed: load the script once, retry.
			loaded = true
			if err := applyScript.Load(ctx, s.rdb).Err(); err != nil {
				for _, g := range again {
					for _, i := range g {
						res[i] = Result{Err: fmt.Errorf("redis script load: %w", err)}
					}
				}
				return res, nil
			}
		}
		groups = again
	}
	for _, g := range groups {
		for _, i := range g {
			res[i] = Result{Err: fmt.Errorf("redis apply %s: gave up after retries", evs[i].ID)}
		}
	}
	return res, nil
}

func outcome(n int64) Outcome {
	switch n {
	case 0:
		return OutcomeDuplicate
	case 1:
		return OutcomeStored
	case 3:
		return OutcomeSeqJump
	case 4:
		return OutcomeUnannounced
	case 5:
		return OutcomeNewEpoch
	case 6:
		return OutcomeHistoryKept
	default:
		return OutcomeLate
	}
}

// record is one event's share of a script call: the keys of its camera or
// agent, and its arguments after the key group index.
type record struct {
	entity string // key group identity: scope and id
	keys   []string
	args   []any
}

// batch lays out the script's KEYS and ARGV for the events recs[i], i in
// idx; see apply.lua.
func (s *Store) batch(now time.Time, recs []record, idx []int) ([]string, []any) {
	keys := []string{s.k.cameras(), s.k.agents(), s.k.live()}
	args := make([]any, 0, 11+len(idx)*37)
	args = append(args, ms(now), ms(now.Add(-s.opts.EventRetention)), ms(now.Add(-s.opts.EventRetention)),
		ms(now.Add(-s.opts.TransitionRetention)), s.opts.LiveMaxLen, trimPeriod.Milliseconds(),
		s.opts.AgentTimeout.Milliseconds(), ftoa(s.opts.DegradedRatio), ftoa(s.opts.DegradedFloor),
		s.opts.MaxSeqAdvance, unbounded(s.opts.Unbounded))
	group := make(map[string]int, 16)
	for _, i := range idx {
		r := &recs[i]
		g, ok := group[r.entity]
		if !ok {
			g = len(keys) + 1 // Lua's KEYS start at 1
			group[r.entity] = g
			keys = append(keys, r.keys...)
		}
		args = append(args, g)
		args = append(args, r.args...)
	}
	return keys, args
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func tstr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// transition is one entry of a camera's transitions ZSET.
type transition struct {
	Status event.Status `json:"status"`
	Reason event.Reason `json:"reason,omitempty"`
	Detail string       `json:"detail,omitempty"`
	Since  time.Time    `json:"since"`
	Time   time.Time    `json:"time"`
	Seq    uint64       `json:"seq"`
}

func (s *Store) record(e *event.Event, data []byte, old bool) (record, error) {
	oldFlag := ""
	if old {
		oldFlag = "1"
	}
	if data == nil {
		var err error
		if data, err = event.Marshal(e); err != nil {
			return record{}, fmt.Errorf("encode event %s: %w", e.ID, err)
		}
	}
	if !e.Kind.CameraScoped() {
		return record{
			entity: "a:" + e.Agent,
			keys:   []string{s.k.agentIDs(e.Agent), s.k.agent(e.Agent), s.k.agentGaps(e.Agent)},
			args:   []any{"a", e.ID, ms(e.Time), e.Seq, string(data), e.Agent, string(e.Kind), "", "", "", e.Epoch, oldFlag, 2, "site", e.Site},
		}, nil
	}
	trans, derive, alt, err := transitions(e)
	if err != nil {
		return record{}, err
	}
	labels, err := json.Marshal(e.Labels)
	if err != nil {
		return record{}, fmt.Errorf("encode labels %s: %w", e.ID, err)
	}
	args := make([]any, 0, 42)
	args = append(args, "c", e.ID, ms(e.Time), e.Seq, string(data), e.Camera, string(e.Kind), trans, derive, alt, e.Epoch, oldFlag, 0,
		"agent", e.Agent, "site", e.Site, "labels", string(labels), "time", tstr(e.Time))
	if h := e.Health; h != nil {
		args = append(args,
			"status", string(h.Status), "reason", string(h.Reason), "detail", h.Detail,
			"since", tstr(h.Since), "codec", h.Codec,
			"width", h.Width, "height", h.Height,
			"fps", ftoa(h.FPS), "bitrate_kbps", ftoa(h.BitrateKbps),
			"keyframe_interval_s", ftoa(h.KeyframeIntervalS),
			"frames", h.Frames, "reconnects", h.Reconnects,
			"last_frame_age_ms", h.LastFrameAgeMS)
	}
	if m := e.Motion; m != nil {
		if e.Kind == event.KindMotionStart {
			args = append(args, "motion", "1", "motion_since", tstr(m.Started), "motion_score", ftoa(m.Score))
		} else {
			args = append(args, "motion", "0", "motion_since", "", "motion_score", ftoa(m.Score))
		}
	}
	args[12] = len(args) - 13 // the number of state field/value items
	return record{
		entity: "c:" + e.Camera + "/" + e.Agent,
		keys: []string{
			s.k.cameraIDs(e.Camera), s.k.camera(e.Camera),
			s.k.cameraEvents(e.Camera), s.k.transitions(e.Camera), s.k.agent(e.Agent),
			s.k.marks(e.Camera),
		},
		args: args,
	}, nil
}

func unbounded(off bool) string {
	if off {
		return "1"
	}
	return ""
}

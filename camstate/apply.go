package camstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// Calls: one per camera or agent (their keys share one slot), at most
	// applyChunk events each, in the batch's order.
	var calls []*call
	byEntity := map[string]*call{}
	agentsOf := map[string]map[string]bool{} // camera entity -> its events' agents
	var cameraIDs, agentIDs []any
	announcedHere := map[string][]string{} // agent -> epochs its heartbeats in this batch announce
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
		c := byEntity[r.entity]
		if c == nil || len(c.idx) == applyChunk {
			c = &call{scope: r.scope, keys: r.keys}
			if byEntity[r.entity] == nil {
				if r.scope == "c" {
					cameraIDs = append(cameraIDs, e.Ref().String())
				} else {
					agentIDs = append(agentIDs, e.Agent)
				}
			}
			byEntity[r.entity] = c
			calls = append(calls, c)
		}
		c.idx = append(c.idx, i)
		if r.scope == "c" {
			if agentsOf[r.entity] == nil {
				agentsOf[r.entity] = map[string]bool{}
			}
			agentsOf[r.entity][e.Agent] = true
			c.entity = r.entity
		} else if e.Epoch != "" {
			announcedHere[e.Agent] = append(announcedHere[e.Agent], e.Epoch)
		}
	}
	if len(calls) == 0 {
		return res, nil
	}
	epochs, err := s.agentEpochs(ctx, agentsOf, announcedHere)
	if err != nil {
		for _, c := range calls {
			for _, i := range c.idx {
				res[i] = Result{Err: err}
			}
		}
		return res, nil
	}
	now := s.opts.Now()
	loaded := false
	todo := calls
	for round := 0; round < 3 && len(todo) > 0; round++ {
		cmds := make([]*redis.Cmd, len(todo))
		waits := make([]*redis.Cmd, len(todo)) // the WAIT that covers each call
		var index []*redis.IntCmd
		eval := func(p redis.Pipeliner, j int) {
			c := todo[j]
			args := s.call(c.scope, now, epochs[c.entity]).append(make([]any, 0, len(callArgNames)+len(c.idx)*40))
			for _, i := range c.idx {
				args = recs[i].args.append(args)
			}
			cmds[j] = applyScript.EvalSha(ctx, p, c.keys, args...)
		}
		indexes := func(p redis.Pipeliner) {
			// The indexes, apart from the per-camera calls: repeated with
			// every batch, harmless on a redelivery.
			if round == 0 && len(cameraIDs) > 0 {
				index = append(index, p.SAdd(ctx, s.k.cameras(), cameraIDs...))
			}
			if round == 0 && len(agentIDs) > 0 {
				index = append(index, p.SAdd(ctx, s.k.agents(), agentIDs...))
			}
		}
		if cc, ok := s.rdb.(*redis.ClusterClient); ok && s.opts.WaitReplicas > 0 {
			s.applyPerMaster(ctx, cc, todo, cmds, waits, eval)
			_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error { indexes(p); return nil })
		} else {
			_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for j := range todo {
					eval(p, j)
				}
				indexes(p)
				if s.opts.WaitReplicas > 0 {
					// On the scripts' connection: WAIT counts the replicas
					// that have this connection's writes.
					wait := p.Do(ctx, "WAIT", s.opts.WaitReplicas, s.opts.WaitTimeout.Milliseconds())
					for j := range waits {
						waits[j] = wait
					}
				}
				return nil
			})
		}
		for _, ic := range index {
			if err := ic.Err(); err != nil {
				err = fmt.Errorf("redis index: %w", err)
				for j := range cmds {
					cmds[j].SetErr(err)
				}
			}
		}
		for j, wait := range waits {
			if wait == nil || cmds[j].Err() != nil {
				continue
			}
			if n, err := wait.Int(); err != nil || n < s.opts.WaitReplicas {
				if err == nil {
					err = fmt.Errorf("%w: %d of %d replicas have the batch", ErrNotReplicated, n, s.opts.WaitReplicas)
				}
				cmds[j].SetErr(err)
			}
		}
		var again []*call
		noscript := false
		for j, c := range todo {
			out, err := cmds[j].Int64Slice()
			if err == nil && len(out) != len(c.idx) {
				err = fmt.Errorf("script answered %d results for %d events", len(out), len(c.idx))
			}
			switch {
			case err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") && !loaded:
				noscript = true
				again = append(again, c)
			case err != nil && len(c.idx) > 1:
				for _, i := range c.idx {
					again = append(again, &call{scope: c.scope, keys: c.keys, entity: c.entity, idx: []int{i}})
				}
			case err != nil:
				res[c.idx[0]] = Result{Err: fmt.Errorf("redis apply %s: %w", evs[c.idx[0]].ID, err)}
			default:
				for k, i := range c.idx {
					res[i] = Result{Outcome: outcome(out[k])}
				}
			}
		}
		if noscript {
			// Redis restarted or was flushed (or a cluster node never had
			// the script): load it on every node, retry.
			loaded = true
			if err := s.loadScript(ctx); err != nil {
				for _, c := range again {
					for _, i := range c.idx {
						res[i] = Result{Err: fmt.Errorf("redis script load: %w", err)}
					}
				}
				return res, nil
			}
		}
		todo = again
	}
	for _, c := range todo {
		for _, i := range c.idx {
			res[i] = Result{Err: fmt.Errorf("redis apply %s: gave up after retries", evs[i].ID)}
		}
	}
	return res, nil
}

// loadScript loads the apply script into Redis: on a cluster, on every
// master (EVALSHA goes to the master of the call's slot).
func (s *Store) loadScript(ctx context.Context) error {
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return applyScript.Load(ctx, m).Err()
		})
	}
	return applyScript.Load(ctx, s.rdb).Err()
}

// agentEpochs returns, per camera entity, the epochs its events' agents
// announced (stored, plus those their heartbeats in this batch announce):
// the camera's call cannot read its agent's key, which lives in another
// slot.
func (s *Store) agentEpochs(ctx context.Context, agentsOf map[string]map[string]bool, here map[string][]string) (map[string]string, error) {
	need := map[string]*redis.StringCmd{}
	for _, as := range agentsOf {
		for a := range as {
			need[a] = nil
		}
	}
	if len(need) > 0 {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for a := range need {
				need[a] = p.HGet(ctx, s.k.agent(a), "epochs")
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("redis agent epochs: %w", err)
		}
	}
	out := make(map[string]string, len(agentsOf))
	for ent, as := range agentsOf {
		var list []string
		for a := range as {
			if v := need[a].Val(); v != "" {
				list = append(list, v)
			}
			list = append(list, here[a]...)
		}
		out[ent] = strings.Join(list, ",")
	}
	return out, nil
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

// call is one script call: the keys of one camera or agent and the
// indexes (into the batch) of its events.
type call struct {
	scope  string
	entity string
	keys   []string
	idx    []int
}

// record is one event's share of a script call: its camera's or agent's
// keys and its arguments.
type record struct {
	entity string // key group identity: scope and id
	scope  string
	keys   []string
	args   eventArgs
}

func (s *Store) record(e *event.Event, data []byte, old bool) (record, error) {
	oldFlag := ""
	if old {
		oldFlag = "1"
	}
	if !e.Kind.CameraScoped() {
		if data == nil {
			var err error
			if data, err = event.Marshal(e); err != nil {
				return record{}, fmt.Errorf("encode event %s: %w", e.ID, err)
			}
		}
		return record{
			entity: "a:" + e.Agent, scope: "a",
			keys: []string{s.k.agent(e.Agent), s.k.agentGaps(e.Agent)},
			args: eventArgs{id: e.ID, time: ms(e.Time), seq: e.Seq, json: string(data), kind: string(e.Kind),
				epoch: e.Epoch, old: oldFlag, fields: []any{"site", e.Site}},
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
	a := eventArgs{id: e.ID, time: ms(e.Time), seq: e.Seq, kind: string(e.Kind), trans: trans, derive: derive, alt: alt,
		epoch: e.Epoch, old: oldFlag}
	if e.Kind == event.KindStats && e.Health != nil {
		a.fps, a.kbps = ftoa(e.Health.FPS), ftoa(e.Health.BitrateKbps)
	}
	f := make([]any, 0, 40)
	f = append(f, "agent", e.Agent, "site", e.Site, "labels", string(labels), "time", tstr(e.Time))
	if h := e.Health; h != nil {
		f = append(f,
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
			f = append(f, "motion", "1", "motion_since", tstr(m.Started), "motion_score", ftoa(m.Score))
		} else {
			f = append(f, "motion", "0", "motion_since", "", "motion_score", ftoa(m.Score))
		}
	}
	a.fields = f
	ref := e.Ref()
	return record{
		entity: "c:" + ref.String(), scope: "c",
		keys: []string{s.k.camera(ref), s.k.transitions(ref), s.k.rollups(ref)},
		args: a,
	}, nil
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

func unbounded(off bool) string {
	if off {
		return "1"
	}
	return ""
}

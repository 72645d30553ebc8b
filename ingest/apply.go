package ingest

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
	default:
		return "failed"
	}
}

// Result is Apply's answer for one event.
type Result struct {
	Outcome Outcome
	Err     error
}

// Apply writes a batch of validated events with one pipelined round trip,
// one atomic script call per event. The script is idempotent, so a batch
// may be applied again after a partial failure. The results are in the
// order of evs; the error is set only when nothing could be attempted.
func (s *Store) Apply(ctx context.Context, evs []*event.Event) ([]Result, error) {
	res := make([]Result, len(evs))
	calls := make([]scriptCall, len(evs))
	for i, e := range evs {
		c, err := s.call(e)
		if err != nil {
			res[i] = Result{Err: err}
			continue
		}
		calls[i] = c
	}
	todo := make([]int, 0, len(evs))
	for i := range evs {
		if res[i].Err == nil {
			todo = append(todo, i)
		}
	}
	for attempt := 0; attempt < 2 && len(todo) > 0; attempt++ {
		cmds := make([]*redis.Cmd, len(todo))
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, i := range todo {
				cmds[j] = applyScript.EvalSha(ctx, p, calls[i].keys, calls[i].args...)
			}
			return nil
		})
		var again []int
		for j, i := range todo {
			n, err := cmds[j].Int()
			switch {
			case err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") && attempt == 0:
				again = append(again, i)
			case err != nil:
				res[i] = Result{Err: fmt.Errorf("redis apply %s: %w", evs[i].ID, err)}
			case n == 0:
				res[i] = Result{Outcome: OutcomeDuplicate}
			case n == 1:
				res[i] = Result{Outcome: OutcomeStored}
			default:
				res[i] = Result{Outcome: OutcomeLate}
			}
		}
		if len(again) > 0 {
			// Redis restarted or was flushed: load the script once, retry.
			if err := applyScript.Load(ctx, s.rdb).Err(); err != nil {
				for _, i := range again {
					res[i] = Result{Err: fmt.Errorf("redis script load: %w", err)}
				}
				return res, nil
			}
		}
		todo = again
	}
	return res, nil
}

type scriptCall struct {
	keys []string
	args []any
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

func (s *Store) call(e *event.Event) (scriptCall, error) {
	data, err := event.Marshal(e)
	if err != nil {
		return scriptCall{}, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	now := s.opts.Now()
	idsCutoff := ms(now.Add(-s.opts.EventRetention))
	args := []any{
		e.ID, ms(e.Time), e.Seq, string(data), ms(now),
		idsCutoff, ms(now.Add(-s.opts.EventRetention)), ms(now.Add(-s.opts.TransitionRetention)),
		s.opts.LiveMaxLen,
	}
	if !e.Kind.CameraScoped() {
		args = append(args, e.Agent, string(e.Kind), "", "site", e.Site)
		return scriptCall{
			keys: []string{s.k.agentIDs(e.Agent), s.k.agent(e.Agent), s.k.agents(), s.k.live()},
			args: args,
		}, nil
	}
	trans := ""
	if e.Kind == event.KindHealth && e.Health != nil {
		b, err := json.Marshal(transition{
			Status: e.Health.Status, Reason: e.Health.Reason, Detail: e.Health.Detail,
			Since: e.Health.Since, Time: e.Time, Seq: e.Seq,
		})
		if err != nil {
			return scriptCall{}, fmt.Errorf("encode transition %s: %w", e.ID, err)
		}
		trans = string(b)
	}
	labels, err := json.Marshal(e.Labels)
	if err != nil {
		return scriptCall{}, fmt.Errorf("encode labels %s: %w", e.ID, err)
	}
	args = append(args, e.Camera, string(e.Kind), trans,
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
	return scriptCall{
		keys: []string{
			s.k.cameraIDs(e.Camera), s.k.camera(e.Camera), s.k.cameras(), s.k.live(),
			s.k.cameraEvents(e.Camera), s.k.transitions(e.Camera),
		},
		args: args,
	}, nil
}

package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Errors returned by the Engine, so that the API can map them to answers.
var (
	// ErrEvent is wrapped when an event cannot be used (no payload, no
	// camera); the caller counts and logs the drop.
	ErrEvent = errors.New("unusable event")
	// ErrSeqJump is wrapped when an event moves its camera's seq further
	// ahead than the bound within one spool epoch.
	ErrSeqJump = errors.New("seq advances beyond the bound")
	// ErrEpoch is wrapped when an event comes from a spool epoch its agent
	// never announced.
	ErrEpoch = errors.New("spool epoch not announced")
	// ErrNotFound means no open alert has the given dedup key.
	ErrNotFound = errors.New("no open alert with this key")
	// ErrAcknowledged means the alert was already acknowledged.
	ErrAcknowledged = errors.New("alert already acknowledged")
	// ErrInput is wrapped when a caller-supplied value is missing or wrong.
	ErrInput = errors.New("invalid input")
)

// DefaultAgentTimeout is how long an agent may stay silent before its
// cameras become unknown; it matches the aggregator's agent_timeout.
const DefaultAgentTimeout = 30 * time.Second

// Options configure an Engine; the zero value is usable.
type Options struct {
	// Now is the clock for events and API calls; default time.Now. Tick is
	// given its time explicitly.
	Now func() time.Time
	// AgentTimeout marks an agent lost; default DefaultAgentTimeout.
	AgentTimeout time.Duration
	// State resumes from a stored state; nil starts empty.
	State *State
	// MaxSeqAdvance bounds one event's seq step within a spool epoch;
	// default 1000000 (as ingest's).
	MaxSeqAdvance uint64
}

// Engine turns events and clock ticks into alert transitions. It is safe
// for concurrent use; every method works on the State under one lock, and
// the answers are deterministic for the same inputs (maps are walked in
// key order) so that replicas compute the same transitions.
type Engine struct {
	mu           sync.Mutex
	rules        *Set
	st           *State
	now          func() time.Time
	maxJump      uint64
	agentTimeout time.Duration
}

// NewEngine returns an engine evaluating the rules in force in rules.
func NewEngine(rules *Set, opts Options) *Engine {
	e := &Engine{rules: rules, st: opts.State, now: opts.Now, agentTimeout: opts.AgentTimeout}
	if e.st == nil {
		e.st = NewState()
	}
	e.st.init()
	if e.now == nil {
		e.now = time.Now
	}
	if e.agentTimeout <= 0 {
		e.agentTimeout = DefaultAgentTimeout
	}
	e.maxJump = opts.MaxSeqAdvance
	if e.maxJump == 0 {
		e.maxJump = 1_000_000
	}
	return e
}

// State returns a deep copy of the engine's state, for storage.
func (e *Engine) State() (*State, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	data, err := json.Marshal(e.st)
	if err != nil {
		return nil, fmt.Errorf("encode alert state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode alert state: %w", err)
	}
	s.init()
	return &s, nil
}

// Open returns copies of the open alerts, ordered by dedup key.
func (e *Engine) Open() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Alert, 0, len(e.st.Open))
	for _, k := range sortedKeys(e.st.Open) {
		out = append(out, newTransition("", time.Time{}, e.st.Open[k]).Alert)
	}
	return out
}

// Observe feeds one event and returns the transitions it caused.
func (e *Engine) Observe(ev *event.Event) ([]Transition, error) {
	if ev == nil {
		return nil, fmt.Errorf("%w: nil", ErrEvent)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	ag := e.st.agent(ev.Site, ev.Agent, now)
	ag.LastSeen = now
	if ag.Lost {
		ag.Lost = false
		ag.LostSince = time.Time{}
	}
	rules := e.rules.Rules()
	if ev.Kind == event.KindHeartbeat {
		if ev.Epoch != "" && !slices.Contains(ag.Epochs, ev.Epoch) {
			ag.Epochs = append([]string{ev.Epoch}, ag.Epochs[:min(len(ag.Epochs), 7)]...)
		}
		return e.evalAgent(rules, ag, now), nil
	}
	if ev.Camera == "" {
		return nil, fmt.Errorf("%w: %s event names no camera", ErrEvent, ev.Kind)
	}
	c := e.st.camera(ev.Site, ev.Camera)
	if late, err := e.sequence(c, ag, ev); err != nil || late {
		return nil, err
	}
	c.Agent, c.Labels = ev.Agent, ev.Labels
	switch ev.Kind {
	case event.KindHealth, event.KindStats:
		if ev.Health == nil {
			return nil, fmt.Errorf("%w: %s event without health payload", ErrEvent, ev.Kind)
		}
		c.observeHealth(ev.Kind, ev.Health, now)
	case event.KindMotionStart, event.KindMotionEnd:
		if ev.Motion == nil {
			return nil, fmt.Errorf("%w: %s event without motion payload", ErrEvent, ev.Kind)
		}
		c.observeMotion(ev.Kind, ev.Motion, now)
	case event.KindClip:
		// A finished clip changes no condition; its seq was taken above.
	default:
		return nil, fmt.Errorf("%w: kind %q", ErrEvent, ev.Kind)
	}
	out := e.evalCamera(rules, c, now, ev.Kind)
	// The agent's own alert clears with any sign of life.
	return append(out, e.evalAgent(rules, ag, now)...), nil
}

// sequence applies ingest's seq rules to the engine's copy of a camera:
// within one spool epoch the seq rises by at most the bound (a late event
// is ignored), and a new epoch is taken only when the agent announced it.
func (e *Engine) sequence(c *Camera, ag *Agent, ev *event.Event) (late bool, err error) {
	sameSpool := ev.Epoch == "" || c.Epoch == "" || ev.Epoch == c.Epoch
	switch {
	case c.Seq == 0:
	case sameSpool && ev.Seq <= c.Seq:
		return true, nil
	case sameSpool && ev.Seq-c.Seq > e.maxJump:
		return false, fmt.Errorf("%w: seq %d after %d", ErrSeqJump, ev.Seq, c.Seq)
	case !sameSpool && !slices.Contains(ag.Epochs, ev.Epoch):
		return false, fmt.Errorf("%w: %q by agent %s/%s", ErrEpoch, ev.Epoch, ev.Site, ev.Agent)
	}
	c.Seq = ev.Seq
	if ev.Epoch != "" {
		c.Epoch = ev.Epoch
	}
	return false, nil
}

// Tick advances the engine's notion of time: agents fall silent, offline
// cameras pass their delay, motion groups close, alerts escalate, and
// silences expire. Call it every second or so.
func (e *Engine) Tick(now time.Time) []Transition {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.prune(now)
	rules := e.rules.Rules()
	var out []Transition
	for _, ref := range sortedKeys(e.st.Agents) {
		ag := e.st.Agents[ref]
		if !ag.Lost && now.Sub(ag.LastSeen) >= e.agentTimeout {
			ag.Lost, ag.LostSince = true, now
			for _, c := range e.st.Cameras {
				if c.Site == ag.Site && c.Agent == ag.ID && c.Status != event.StatusUnknown {
					c.Status, c.Since, c.Measured = event.StatusUnknown, now, false
					c.Motion.Active = false
				}
			}
		}
		out = append(out, e.evalAgent(rules, ag, now)...)
	}
	for _, ref := range sortedKeys(e.st.Cameras) {
		out = append(out, e.evalCamera(rules, e.st.Cameras[ref], now, "")...)
	}
	for _, key := range sortedKeys(e.st.Open) {
		a := e.st.Open[key]
		r, ok := rules.Rule(a.Rule)
		if !ok || r.Trigger.Type != a.Trigger {
			out = append(out, e.resolve(a, now, "rule", "the rule was removed or changed"))
			continue
		}
		if tr, ok := e.escalate(r, a, now); ok {
			out = append(out, tr)
		}
	}
	return out
}

// evalCamera runs every camera rule against c. fed is the kind of the event
// being observed, or "" on a tick.
func (e *Engine) evalCamera(rules *Rules, c *Camera, now time.Time, fed event.Kind) []Transition {
	var out []Transition
	for i := range rules.Rules {
		r := &rules.Rules[i]
		if r.Trigger.Type == TriggerAgentLost {
			continue
		}
		key := CameraKey(r.ID, c.Site, c.ID)
		holds, since, known := false, now, true
		if r.Match.Matches(c.Site, c.ID, c.Labels) {
			holds, since, known = e.condition(r, c, key, now)
		}
		feeds := fed == event.KindMotionStart && r.Trigger.Type == TriggerMotion ||
			fed == event.KindHealth && r.Trigger.Type != TriggerMotion
		tmpl := Alert{Site: c.Site, Agent: c.Agent, Camera: c.ID, Labels: c.Labels}
		if r.Trigger.Type == TriggerMotion {
			tmpl.Zones = append([]string(nil), c.Motion.Zones...)
			if e.st.Disarmed[c.Labels.Program] && e.st.Open[key] == nil {
				holds = false
			}
		}
		if tr, ok := e.step(rules, r, key, holds, since, known, feeds, now, tmpl); ok {
			out = append(out, tr)
		}
	}
	return out
}

// evalAgent runs the agent_lost rules against one agent.
func (e *Engine) evalAgent(rules *Rules, ag *Agent, now time.Time) []Transition {
	var out []Transition
	for i := range rules.Rules {
		r := &rules.Rules[i]
		if r.Trigger.Type != TriggerAgentLost {
			continue
		}
		holds := ag.Lost && e.agentMatches(r, ag)
		tmpl := Alert{Site: ag.Site, Agent: ag.ID}
		if tr, ok := e.step(rules, r, AgentKey(r.ID, ag.Site, ag.ID), holds, ag.LastSeen, true, false, now, tmpl); ok {
			out = append(out, tr)
		}
	}
	return out
}

// agentMatches: an agent is covered when one of its cameras is, or, before
// any camera is known, when the rule filters on sites only.
func (e *Engine) agentMatches(r *Rule, ag *Agent) bool {
	has := false
	for _, c := range e.st.Cameras {
		if c.Site == ag.Site && c.Agent == ag.ID {
			has = true
			if r.Match.Matches(c.Site, c.ID, c.Labels) {
				return true
			}
		}
	}
	m := r.Match
	return !has && len(m.Cameras)+len(m.Programs)+len(m.Wards)+len(m.Vendors) == 0 &&
		(len(m.Sites) == 0 || slices.Contains(m.Sites, ag.Site))
}

// step moves the alert of one dedup key given whether its condition holds.
func (e *Engine) step(rules *Rules, r *Rule, key string, holds bool, since time.Time, known, feeds bool,
	now time.Time, tmpl Alert) (Transition, bool) {
	if !known {
		return Transition{}, false // an unknown camera neither fires nor resolves
	}
	if a := e.st.Open[key]; a != nil {
		if !holds {
			return e.resolve(a, now, "condition", ""), true
		}
		if feeds {
			a.Events++
			for _, z := range tmpl.Zones {
				if !slices.Contains(a.Zones, z) {
					a.Zones = append(a.Zones, z)
				}
			}
		}
		return Transition{}, false
	}
	if !holds {
		delete(e.st.Latched, key)
		return Transition{}, false
	}
	if e.st.Latched[key] || now.Sub(since) < r.delay() || !r.Schedule.Active(now, rules.Location()) {
		return Transition{}, false
	}
	return e.fire(r, key, since, now, tmpl), true
}

// delay is how long a condition must hold before the rule fires.
func (r *Rule) delay() time.Duration {
	switch r.Trigger.Type {
	case TriggerMotion:
		return r.Trigger.MinDuration
	case TriggerFlapping:
		return 0
	}
	return r.Trigger.For
}

func (e *Engine) fire(r *Rule, key string, since, now time.Time, tmpl Alert) Transition {
	a := tmpl
	a.ID = key + "@" + strconv.FormatInt(now.UnixMilli(), 10)
	a.Key, a.Rule, a.Trigger, a.Severity = key, r.ID, r.Trigger.Type, r.Severity
	a.State, a.Since, a.FiredAt, a.Events = StateFiring, since, now, 1
	e.st.Open[key] = &a
	var notify []string
	if sup := e.st.suppressedBy(&a, now); sup != "" {
		a.Suppressed = sup
	} else if last, ok := e.st.LastNotified[key]; ok && r.Cooldown > 0 && now.Sub(last) < r.Cooldown {
		a.Suppressed = SuppressedCooldown
	} else {
		notify = append([]string(nil), r.Receivers...)
		a.NotifiedTo = append(a.NotifiedTo, notify...)
	}
	tr := newTransition(TransitionFiring, now, &a)
	tr.Notify, tr.Suppressed = notify, a.Suppressed
	return tr
}

// resolve closes a. Whoever was told
// about the alert is told it ended.
func (e *Engine) resolve(a *Alert, now time.Time, by, note string) Transition {
	a.State, a.ResolvedAt, a.ResolvedBy, a.Note = StateResolved, now, by, note
	delete(e.st.Open, a.Key)
	tr := newTransition(TransitionResolved, now, a)
	if len(a.NotifiedTo) > 0 {
		tr.Notify = append([]string(nil), a.NotifiedTo...)
	} else if a.Suppressed != "" {
		tr.Suppressed = SuppressedQuiet
	}
	return tr
}

func (e *Engine) escalate(r *Rule, a *Alert, now time.Time) (Transition, bool) {
	esc := r.Escalation
	if esc == nil || a.State != StateFiring || !a.EscalatedAt.IsZero() || now.Sub(a.FiredAt) < esc.After {
		return Transition{}, false
	}
	a.EscalatedAt = now
	sup := e.st.suppressedBy(a, now)
	if sup == "" && !slices.Contains(a.NotifiedTo, esc.Receiver) {
		a.NotifiedTo = append(a.NotifiedTo, esc.Receiver)
	}
	tr := newTransition(TransitionEscalated, now, a)
	if sup != "" {
		tr.Suppressed = sup
	} else {
		tr.Notify = []string{esc.Receiver}
	}
	return tr, true
}

func (s *State) agent(site, id string, now time.Time) *Agent {
	ref := AgentRef(site, id)
	a := s.Agents[ref]
	if a == nil {
		a = &Agent{Site: site, ID: id, LastSeen: now}
		s.Agents[ref] = a
	}
	return a
}

func (s *State) camera(site, id string) *Camera {
	ref := CameraRef(site, id)
	c := s.Cameras[ref]
	if c == nil {
		c = &Camera{Site: site, ID: id}
		s.Cameras[ref] = c
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

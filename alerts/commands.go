package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
)

// command is an API change sent to the leader on camwatch.alertcmd.apply.
type command struct {
	Op      string   `json:"op"`
	Key     string   `json:"key,omitempty"`
	By      string   `json:"by,omitempty"`
	Note    string   `json:"note,omitempty"`
	ID      string   `json:"id,omitempty"`
	Program string   `json:"program,omitempty"`
	Silence *Silence `json:"silence,omitempty"`
	// Maintenance is the window of op "maintain".
	Maintenance *Maintenance `json:"maintenance,omitempty"`
	// At is when a notification was sent (op "notified").
	At time.Time `json:"at,omitzero"`
}

// commandReply is the leader's answer; Code maps the error back to a
// sentinel on the asking replica.
type commandReply struct {
	Transition *Transition `json:"transition,omitempty"`
	Silence    *Silence    `json:"silence,omitempty"`
	// ID is the id of a maintenance window added.
	ID    string `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`
}

var codes = []struct {
	code string
	err  error
}{{"not_found", ErrNotFound}, {"acknowledged", ErrAcknowledged}, {"input", ErrInput}}

// apply runs one command in the leader's loop, persists and publishes what
// it caused, then answers. A lost lease is not answered: the new leader,
// which got the same request, answers it.
func (r *Runner) apply(ctx context.Context, l *leader, m *nats.Msg) error {
	var c command
	var rep commandReply
	var trs []Transition
	now := r.o.Now()
	if now.After(l.clock) {
		l.clock = now
	}
	err := json.Unmarshal(m.Data, &c)
	if err != nil {
		err = fmt.Errorf("%w: command: %v", ErrInput, err)
	} else {
		switch c.Op {
		case "ack", "resolve":
			f := l.eng.Acknowledge
			if c.Op == "resolve" {
				f = l.eng.Resolve
			}
			var tr Transition
			if tr, err = f(c.Key, c.By, c.Note); err == nil {
				rep.Transition, trs = &tr, []Transition{tr}
			}
		case "silence":
			if c.Silence == nil {
				err = fmt.Errorf("%w: no silence", ErrInput)
				break
			}
			s := *c.Silence
			if s.ID, err = l.eng.AddSilence(s); err == nil {
				rep.Silence = &s
			}
		case "unsilence":
			if !l.eng.RemoveSilence(c.ID) {
				err = fmt.Errorf("silence %q: %w", c.ID, ErrNotFound)
			}
		case "maintain":
			if c.Maintenance == nil {
				err = fmt.Errorf("%w: no maintenance window", ErrInput)
				break
			}
			rep.ID, err = l.eng.putMaintenance(*c.Maintenance)
		case "unmaintain":
			l.eng.RemoveMaintenance(c.ID)
		case "notified":
			if c.Key == "" || c.At.IsZero() {
				err = fmt.Errorf("%w: notified needs a key and a time", ErrInput)
				break
			}
			l.eng.Notified(c.Key, c.At)
		case "arm":
			l.eng.Arm(c.Program)
		case "disarm":
			l.eng.Disarm(c.Program)
		default:
			err = fmt.Errorf("%w: unknown command %q", ErrInput, c.Op)
		}
	}
	if err == nil {
		if cerr := r.commit(ctx, l, trs); cerr != nil {
			return cerr
		}
	} else {
		rep.Error = err.Error()
		for _, c := range codes {
			if errors.Is(err, c.err) {
				rep.Code = c.code
				break
			}
		}
	}
	data, _ := json.Marshal(&rep) // plain structs: cannot fail
	if err := m.Respond(data); err != nil {
		r.log.Warn("alert command answer not sent", "err", err)
	}
	return nil
}

// request sends c to whichever replica leads and waits for its answer.
func (r *Runner) request(ctx context.Context, c command) (*commandReply, error) {
	data, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, r.o.CommandTimeout)
	defer cancel()
	m, err := r.o.NATS.RequestWithContext(ctx, CommandRoot+".apply", data)
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("alert %s: %w", c.Op, ErrNoLeader)
	}
	if err != nil {
		return nil, fmt.Errorf("alert %s: %w", c.Op, err)
	}
	var rep commandReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return nil, fmt.Errorf("alert %s answer: %w", c.Op, err)
	}
	if rep.Error != "" {
		for _, x := range codes {
			if rep.Code == x.code {
				return nil, fmt.Errorf("%w (%s)", x.err, rep.Error)
			}
		}
		return nil, fmt.Errorf("alert %s: %s", c.Op, rep.Error)
	}
	return &rep, nil
}

// Acknowledge records who took the open alert with dedup key key on, and
// returns the published transition.
func (r *Runner) Acknowledge(ctx context.Context, key, by, note string) (Transition, error) {
	rep, err := r.request(ctx, command{Op: "ack", Key: key, By: by, Note: note})
	if err != nil {
		return Transition{}, err
	}
	return *rep.Transition, nil
}

// Resolve closes the open alert with dedup key key by hand.
func (r *Runner) Resolve(ctx context.Context, key, by, note string) (Transition, error) {
	rep, err := r.request(ctx, command{Op: "resolve", Key: key, By: by, Note: note})
	if err != nil {
		return Transition{}, err
	}
	return *rep.Transition, nil
}

// AddSilence mutes matching alerts from s.Start to s.End and returns the
// silence with its id.
func (r *Runner) AddSilence(ctx context.Context, s Silence) (Silence, error) {
	if s.Start.IsZero() {
		s.Start = r.o.Now()
	}
	if !s.End.After(s.Start) {
		return Silence{}, fmt.Errorf("%w: end must be after start", ErrInput)
	}
	rep, err := r.request(ctx, command{Op: "silence", Silence: &s})
	if err != nil {
		return Silence{}, err
	}
	return *rep.Silence, nil
}

// RemoveSilence ends a silence early; ErrNotFound if there is none.
func (r *Runner) RemoveSilence(ctx context.Context, id string) error {
	_, err := r.request(ctx, command{Op: "unsilence", ID: id})
	return err
}

// Silences returns the silences in force.
func (r *Runner) Silences(ctx context.Context) ([]Silence, error) {
	all, err := r.store.Silences(ctx)
	if err != nil {
		return nil, err
	}
	now := r.o.Now()
	out := all[:0]
	for _, s := range all {
		if now.Before(s.End) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Notified tells the evaluating replica that a notification for the alert
// with dedup key key was accepted by a receiver at at, so that the rule's
// cooldown counts from notifications actually sent, not from firings that
// nobody heard of. Delivery calls it on whichever replica sent; sending
// the same (key, at) twice changes nothing (the engine keeps the latest).
func (r *Runner) Notified(ctx context.Context, key string, at time.Time) error {
	_, err := r.request(ctx, command{Op: "notified", Key: key, At: at})
	return err
}

// Arm restores motion alerts for a community program.
func (r *Runner) Arm(ctx context.Context, program string) error {
	_, err := r.request(ctx, command{Op: "arm", Program: program})
	return err
}

// Disarm stops motion alerts for a community program.
func (r *Runner) Disarm(ctx context.Context, program string) error {
	_, err := r.request(ctx, command{Op: "disarm", Program: program})
	return err
}

// Reload rereads the rules file here and, if it is valid, tells every
// replica to reread its own; on error the old rules stay and the error
// (wrapping ErrRules) says why.
func (r *Runner) Reload(ctx context.Context) error {
	if err := r.reloadLocal(); err != nil {
		return err
	}
	if err := r.o.NATS.Publish(CommandRoot+".reload", nil); err != nil {
		return fmt.Errorf("announce alert rules reload: %w", err)
	}
	return nil
}

func (r *Runner) reloadLocal() error {
	if r.o.RulesPath == "" {
		return fmt.Errorf("%w: no rules file is configured (alerts.rules)", ErrRules)
	}
	rules, err := LoadFile(r.o.RulesPath)
	if err == nil && r.o.CheckRules != nil {
		err = r.o.CheckRules(rules)
	}
	if err != nil {
		return fmt.Errorf("%w: keeping the %d rules in force: %w", ErrRules, len(r.o.Rules.Rules().Rules), err)
	}
	r.o.Rules.Replace(rules)
	r.log.Info("alert rules reloaded", "rules", len(r.o.Rules.Rules().Rules))
	return nil
}

// Query filters the alert list of the API.
type Query struct {
	// State is firing, acknowledged, resolved, or "" for all open alerts.
	State AlertState
	// From and To bound resolved alerts by resolution time.
	From, To time.Time
	Program  string
	// Site and Camera: a camera's alerts (ids are unique per site only;
	// an empty Site matches the id at every site).
	Site   string
	Camera string
	Rule   string
}

// List answers the API's alert list: open alerts from the index, or
// resolved ones from the history.
func (r *Runner) List(ctx context.Context, q Query) ([]Alert, error) {
	var all []Alert
	if q.State == StateResolved {
		trs, err := r.store.History(ctx, q.From, q.To)
		if err != nil {
			return nil, err
		}
		for i := range trs {
			if trs[i].Kind == TransitionResolved {
				all = append(all, trs[i].Alert)
			}
		}
	} else {
		open, err := r.store.Open(ctx)
		if err != nil {
			return nil, err
		}
		all = open
	}
	out := make([]Alert, 0, len(all))
	for _, a := range all {
		if (q.State == "" || a.State == q.State) && eq(q.Program, a.Labels.Program) &&
			eq(q.Site, a.Site) && eq(q.Camera, a.Camera) && eq(q.Rule, a.Rule) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Get returns the open alert with dedup key key, or ErrNotFound.
func (r *Runner) Get(ctx context.Context, key string) (*Alert, error) {
	return r.store.Get(ctx, key)
}

// Disarmed lists the programs whose motion raises no alert, as the
// leader last stored its state (an arm or disarm is stored before the
// command is answered), sorted.
func (r *Runner) Disarmed(ctx context.Context) ([]string, error) {
	st, err := r.store.Load(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for p, off := range st.Engine.Disarmed {
		if off {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// RulesInForce returns the rules this replica evaluates and the file a
// reload reads them from.
func (r *Runner) RulesInForce() (string, *Rules) { return r.o.RulesPath, r.o.Rules.Rules() }

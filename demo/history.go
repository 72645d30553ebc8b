package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/console"
	"github.com/camwatch/camwatch/event"
)

// HistoryDays is how much generated past the demo puts in front of its
// cameras' real history, so that the uptime charts and the program review
// have a month to show from the first minute.
const HistoryDays = 30

// generatedReasons are the offline reasons of the generated outages.
var generatedReasons = []string{"timeout", "refused", "stalled", "closed", "auth_failed"}

// generatedHistory is a month of made-up status changes of one camera,
// ending online at end: two to four outages a week of 5 minutes to 4
// hours (a flaky camera ten a week, and one bad day with a long outage),
// the same for the same camera id. Seq is 0: no agent reported them.
func generatedHistory(id string, flaky bool, end time.Time) []camstate.StatusChange {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	rng := rand.New(rand.NewPCG(h.Sum64(), HistoryDays))
	start := end.Add(-HistoryDays * 24 * time.Hour).Truncate(time.Millisecond)
	out := []camstate.StatusChange{{Since: start, Status: string(event.StatusOnline)}}
	perWeek := 2 + rng.IntN(3)
	if flaky {
		perWeek = 10
	}
	n := perWeek * HistoryDays / 7
	gap := end.Sub(start) / time.Duration(n+1)
	for k := range n {
		at := start.Add(time.Duration(k+1)*gap + time.Duration(rng.Int64N(int64(gap/3)))).Truncate(time.Millisecond)
		long := time.Duration(5+rng.IntN(235)) * time.Minute
		if flaky && k == n/2 {
			long = 10 * time.Hour // the bad day a review should show
		}
		back := at.Add(long)
		if !back.Before(end) || back.After(start.Add(time.Duration(k+2)*gap)) {
			continue
		}
		out = append(out,
			camstate.StatusChange{Since: at, Status: string(event.StatusOffline), Reason: generatedReasons[rng.IntN(len(generatedReasons))]},
			camstate.StatusChange{Since: back, Status: string(event.StatusOnline)})
	}
	return out
}

// historyNotice marks the generated month on every console page.
func historyNotice(end time.Time, loc *time.Location) *console.Notice {
	at := end.In(loc).Format("15:04 02/01/2006")
	return &console.Notice{
		VI: fmt.Sprintf("Bản trình diễn: lịch sử hoạt động trước %s là dữ liệu tạo ra (một tháng giả lập), không phải đo thật.", at),
		EN: fmt.Sprintf("Demo: the camera history before %s is generated (a made-up month), not measured.", at),
	}
}

// generatedAlerts is the alert history the rules would have recorded
// over a camera's generated month: for each offline spell at least as long
// as a matching offline rule's "for" (when its schedule allows firing
// then), the alert fires at that point, three in four
// are acknowledged by the demo's operator 2 to 25 minutes later (while
// still offline), and the camera's return resolves it. No receiver is
// named: nothing was ever sent.
func generatedAlerts(c *camstate.Camera, changes []camstate.StatusChange, rules *alerts.Rules) []alerts.Transition {
	if rules == nil {
		return nil
	}
	var rule *alerts.Rule
	for i := range rules.Rules {
		r := &rules.Rules[i]
		if r.Trigger.Type == alerts.TriggerOffline && r.Match.Matches(c.Site, c.ID, c.Labels) {
			rule = r
			break
		}
	}
	if rule == nil {
		return nil
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("alerts/" + c.ID))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	var out []alerts.Transition
	for i := 1; i+1 < len(changes); i += 2 {
		down, up := changes[i], changes[i+1]
		fired := down.Since.Add(rule.Trigger.For)
		if !fired.Before(up.Since) || !rule.Schedule.Active(fired, rules.Location()) {
			continue // back before the rule would fire, or outside its schedule
		}
		a := alerts.Alert{ID: fmt.Sprintf("generated-%s-%d", c.ID, fired.UnixMilli()), Key: alerts.CameraKey(rule.ID, c.Site, c.ID),
			Rule: rule.ID, Trigger: rule.Trigger.Type, Severity: rule.Severity, Site: c.Site, Agent: c.Agent, Camera: c.ID,
			Labels: c.Labels, State: alerts.StateFiring, Since: down.Since, FiredAt: fired, Events: 1, Note: "generated (demo)"}
		step := func(kind alerts.TransitionKind, at time.Time) {
			out = append(out, alerts.Transition{ID: a.ID + "/" + string(kind), Kind: kind, At: at, Alert: a})
		}
		step(alerts.TransitionFiring, fired)
		if ack := fired.Add(time.Duration(2+rng.IntN(24)) * time.Minute); rng.IntN(4) > 0 && ack.Before(up.Since) {
			a.State, a.Ack = alerts.StateAcknowledged, &alerts.Ack{By: "operator", At: ack, Note: "generated (demo)"}
			step(alerts.TransitionAcknowledged, ack)
		}
		a.State, a.ResolvedAt, a.ResolvedBy = alerts.StateResolved, up.Since, "condition"
		step(alerts.TransitionResolved, up.Since)
	}
	return out
}

// seedHistory waits until the agent has reported each camera, then puts
// its generated month in front of its real history (camstate keeps the
// camera's state and sequence as the agent reported them), and the alerts
// the rules would have raised over it in front of the alert history. It
// gives up when ctx ends or after timeout, saying which cameras got no
// history.
func seedHistory(ctx context.Context, store *camstate.Store, astore *alerts.Store, rules *alerts.Rules, refs []event.CameraRef, flaky map[string]bool, end time.Time, timeout time.Duration, log *slog.Logger) error {
	deadline := time.Now().Add(timeout)
	left := map[event.CameraRef]bool{}
	for _, r := range refs {
		left[r] = true
	}
	var trs []alerts.Transition
	for len(left) > 0 {
		for ref := range left {
			c, err := store.Camera(ctx, ref)
			if err != nil {
				continue // not reported yet
			}
			changes := generatedHistory(ref.Camera, flaky[ref.Camera], end)
			if err := store.SeedTransitions(ctx, ref, changes); err != nil {
				return fmt.Errorf("generated history of %s: %w", ref, err)
			}
			trs = append(trs, generatedAlerts(c, changes, rules)...)
			delete(left, ref)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			var names []string
			for r := range left {
				names = append(names, r.String())
			}
			return fmt.Errorf("no generated history for %v: %w", names, errNotReported)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	// All cameras' alerts at once: each must be older than what the
	// engine recorded, and they interleave in time.
	if astore != nil {
		if err := astore.SeedHistory(ctx, trs); err != nil {
			return fmt.Errorf("generated alert history: %w", err)
		}
	}
	log.Info("generated history in place", "cameras", len(refs), "days", HistoryDays, "alert_transitions", len(trs), "before", end)
	return nil
}

var errNotReported = errors.New("the agent has not reported these cameras")

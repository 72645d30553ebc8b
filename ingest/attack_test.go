package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestForgedEventsRefused sends, with the camera's own agent's NATS
// credentials (NATS lets them through), the events the attacker
// sent, into a real Redis: each is refused or kept out of the status
// history, counted by reason, and the camera's state and history are as
// the honest events left them.
func TestForgedEventsRefused(t *testing.T) {
	env := testenv.NATSAuth(t, natsauth.Agent{Site: "q1", Agent: "edge-1"})
	r := newRigOn(t, env.Connect(t, env.Aggregator(), ""))
	agent, err := jetstream.New(env.Connect(t, env.Agent(t, "q1", "edge-1"), event.AgentInboxPrefix("q1", "edge-1")))
	if err != nil {
		t.Fatal(err)
	}
	send := func(e *event.Event) {
		t.Helper()
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		m := nats.NewMsg(event.Subject(e))
		m.Data = data
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		if _, err := agent.PublishMsg(context.Background(), m); err != nil {
			t.Fatalf("publish %s: %v", e.ID, err)
		}
	}
	in := r.start(r.rdb, nil)
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	first := now.Add(-10 * time.Minute)
	// The honest history: online from first, stats since; seqs 2 and 3
	// never arrived (a spool that dropped them), so the forged events
	// below can claim them: a seq already stored would be a duplicate.
	honest := []*event.Event{mk(event.KindHealth, "cam-1", 1, first), mk(event.KindStats, "cam-1", 4, first), mk(event.KindStats, "cam-1", 5, first)}
	for _, e := range honest {
		e.Time, e.Health.Since = first.Add(time.Duration(e.Seq)*time.Minute), first
		send(e)
	}
	hb := mk(event.KindHeartbeat, "", 1, now)
	hb.Time = now
	send(hb)
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-1") != 3, "stored %d", r.stored(in.store, "cam-1"))
	})

	forged := []struct {
		name   string
		ev     func() *event.Event
		reason string // dead-letter reason; "" when kept in the timeline only
	}{
		{"an event 1 h in the future", func() *event.Event {
			return offline(mk(event.KindHealth, "cam-1", 6, now.Add(time.Hour)), event.ReasonRefused)
		}, ReasonFuture},
		{"an event 23 h in the future", func() *event.Event {
			return offline(mk(event.KindHealth, "cam-1", 7, now.Add(23*time.Hour)), event.ReasonRefused)
		}, ReasonFuture},
		{"a seq jump of 2^62", func() *event.Event {
			e := mk(event.KindStats, "cam-1", 1<<62, now)
			e.Time = now
			return e
		}, ReasonSeqJump},
		{"an outage dated before the camera's first event", func() *event.Event {
			e := offline(mk(event.KindHealth, "cam-1", 2, now), event.ReasonTimeout)
			e.Time, e.Health.Since = first.Add(-3*time.Hour), first.Add(-3*time.Hour)
			return e
		}, ""},
		{"its end, also before the first event", func() *event.Event {
			e := mk(event.KindHealth, "cam-1", 3, now)
			e.Time, e.Health.Since = first.Add(-2*time.Hour), first.Add(-2*time.Hour)
			return e
		}, ""},
	}
	wantDL := map[string]float64{}
	for _, c := range forged {
		send(c.ev())
		if c.reason != "" {
			wantDL[c.reason]++
		}
	}
	for _, c := range forged {
		t.Run(c.name, func(t *testing.T) {
			testenv.Eventually(t, 10*time.Second, func() error {
				if c.reason == "" {
					if n := counter(in.m.HistoryKept); n != 2 {
						return fmt.Errorf("history refusals %v, want 2", n)
					}
					return nil
				}
				if n := counter(in.m.Invalid.WithLabelValues(c.reason)); n != wantDL[c.reason] {
					return fmt.Errorf("dead-lettered as %s: %v, want %v", c.reason, n, wantDL[c.reason])
				}
				return nil
			})
		})
	}
	cam, err := in.store.Camera(ctx, event.CameraRef{Site: "q1", Camera: "cam-1"})
	if err != nil {
		t.Fatal(err)
	}
	if cam.LastSeq != 5 || cam.Status != event.StatusOnline {
		t.Errorf("camera state after the attack: %s seq %d, want online seq 5", cam.Status, cam.LastSeq)
	}
	tr, err := in.store.Transitions(ctx, event.CameraRef{Site: "q1", Camera: "cam-1"}, first.Add(-24*time.Hour), now.Add(48*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 {
		t.Errorf("status history has %d transitions, want the honest one: %+v", len(tr), tr)
	}
	if n := r.stored(in.store, "cam-1"); n != 5 {
		t.Errorf("timeline holds %d events, want the 3 honest and the 2 old ones", n)
	}
}

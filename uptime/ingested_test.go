package uptime

import (
	"context"
	"github.com/camwatch/camwatch/camstate"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// TestSourcePastAgentLoss stores events through the real ingester's store
// and requires an agent loss that has ended (its heartbeats came back) to
// count as unknown, not as whatever the camera last reported.
func TestSourcePastAgentLoss(t *testing.T) {
	ctx := context.Background()
	now := genEnd
	timeout := 30 * time.Second
	rdb, prefix, store := ingestStore(t, now, timeout)
	base := now.Add(-4 * h)
	var seq uint64
	hb := func(at time.Time) *event.Event {
		seq++
		return &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat, Site: "q1", Agent: "e1",
			Time: at, Seq: seq, Heartbeat: &event.Heartbeat{Version: "test", Started: base, IntervalS: 10, Cameras: 1, Online: 1}}
	}
	online := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "e1",
		Camera: "c1", Labels: event.Labels{Program: "p"}, Time: base, Seq: 1,
		Health: &event.Health{Status: event.StatusOnline, Since: base, FPS: 15}}
	evs := []*event.Event{online}
	// The camera reports stats every 10 min, so it is not taken for removed.
	for i := 1; i <= 24; i++ {
		at := base.Add(time.Duration(i) * 10 * time.Minute)
		evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindStats, Site: "q1", Agent: "e1",
			Camera: "c1", Labels: event.Labels{Program: "p"}, Time: at, Seq: uint64(i + 1),
			Health: &event.Health{Status: event.StatusOnline, Since: base, FPS: 15}})
	}
	// Heartbeats every 10 s, except that the agent was silent from 1 h
	// into the window until 2 h in: lost from the last heartbeat + 30 s.
	for at := base; !at.After(now); at = at.Add(10 * time.Second) {
		if at.After(base.Add(h)) && at.Before(base.Add(2*h)) {
			continue
		}
		evs = append(evs, hb(at))
	}
	res, err := store.Apply(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("event %d: %v", i, r.Err)
		}
	}
	src := NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{AgentTimeout: timeout, Now: func() time.Time { return now }})
	w := Span{base, now}
	hist, err := src.History(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(hist, Options{Window: w, GroupBy: GroupCamera, Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cameras) != 1 {
		t.Fatalf("cameras = %d, want 1", len(r.Cameras))
	}
	// Last heartbeat before the silence at base+1h, the next at base+2h:
	// unknown from base+1h+30s to base+2h.
	unknown := h - timeout
	want := Totals{Monitored: 4 * h, Online: 4*h - unknown, Unknown: unknown}
	if got := r.Cameras[0].Totals; got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
}

// ingestStore is the real ingester's Redis store on a fresh prefix, with a
// fixed clock, so tests can write what an aggregator would and read it
// back through Source.
func ingestStore(t *testing.T, now time.Time, agentTimeout time.Duration) (redis.UniversalClient, string, *camstate.Store) {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	return rdb, prefix, camstate.New(rdb, camstate.Options{Prefix: prefix, AgentTimeout: agentTimeout, Now: func() time.Time { return now }})
}

package uptime

import (
	"context"
	"github.com/camwatch/camwatch/camstate"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestDegradedThroughIngest stores stats events through the real
// ingester's store: a camera whose fps falls below 1 for an hour while its
// frames keep flowing is degraded for that hour, not out, in the report
// read back through Source.
func TestDegradedThroughIngest(t *testing.T) {
	ctx := context.Background()
	now := genEnd
	timeout := 30 * time.Second
	rdb, prefix, store := ingestStore(t, now, timeout)
	base := now.Add(-4 * h)
	var seq uint64
	cam := func(kind event.Kind, at time.Time, fps float64) *event.Event {
		seq++
		return &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: kind, Site: "q1", Agent: "e1",
			Camera: "c1", Labels: event.Labels{Program: "p"}, Time: at, Seq: seq,
			Health: &event.Health{Status: event.StatusOnline, Since: base, FPS: fps}}
	}
	evs := []*event.Event{cam(event.KindHealth, base, 15)}
	// Stats every 10 min at 15 fps, except 0.5 fps from 130 min to 180 min
	// in: degraded from the first low sample (130 min) to the first good
	// one (190 min), one hour.
	for i := 1; i <= 24; i++ {
		fps := 15.0
		if i >= 13 && i <= 18 {
			fps = 0.5
		}
		evs = append(evs, cam(event.KindStats, base.Add(time.Duration(i)*10*time.Minute), fps))
	}
	var hbSeq uint64
	for at := base; !at.After(now); at = at.Add(10 * time.Second) {
		hbSeq++
		evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat, Site: "q1", Agent: "e1",
			Time: at, Seq: hbSeq, Heartbeat: &event.Heartbeat{Version: "test", Started: base, IntervalS: 10, Cameras: 1, Online: 1}})
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
	r, err := Compute(hist, Options{Window: w, GroupBy: GroupProgram, Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cameras) != 1 || len(r.Groups) != 1 {
		t.Fatalf("cameras = %d, groups = %d, want 1 and 1", len(r.Cameras), len(r.Groups))
	}
	want := Totals{Monitored: 4 * h, Online: 3 * h, Degraded: h}
	if got := r.Cameras[0].Totals; got != want {
		t.Errorf("totals = %+v, want %+v", got, want)
	}
	if g := r.Groups[0]; g.Outages != 0 || g.Offline != 0 || g.Degraded != h {
		t.Errorf("program p: outages %d offline %v degraded %v, want 0, 0, 1h", g.Outages, g.Offline, g.Degraded)
	}
}

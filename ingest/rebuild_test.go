package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// rebuildTimeout is the agent timeout of the rebuild test: heartbeats come
// every two minutes, so a silence of more than five is an agent loss.
const rebuildTimeout = 5 * time.Minute

// cityHistory is a synthetic history ending at end: cameras in programs
// watched by two agents, outages of a few minutes to hours (some crossing
// the 7-day window's start), hourly stats, heartbeats every two minutes
// and one four-hour loss of agent e1. Events come in time order except for
// a few swapped neighbours, as from two spools flushing at once.
func cityHistory(end time.Time, days int) []*event.Event {
	rng := rand.New(rand.NewPCG(4, 2))
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	lostFrom, lostTo := start.Add(3*24*time.Hour+10*time.Hour), start.Add(3*24*time.Hour+14*time.Hour)
	programs := []string{"anqt", "nha-tro", "5-cong-1"}
	var evs []*event.Event
	for a, agent := range []string{"e1", "e2"} {
		var seq uint64
		for at := start; at.Before(end); at = at.Add(2 * time.Minute) {
			if agent == "e1" && !at.Before(lostFrom) && at.Before(lostTo) {
				continue
			}
			seq++
			evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat,
				Site: "q1", Agent: agent, Time: at.Add(time.Duration(a) * time.Second), Seq: seq,
				Heartbeat: &event.Heartbeat{Version: "test", Started: start, IntervalS: 120, Cameras: 3, Online: 3}})
		}
	}
	for c := range 6 {
		cam, agent := fmt.Sprintf("cam-%d", c), []string{"e1", "e2"}[c%2]
		labels := event.Labels{Program: programs[c%3], Ward: "Ben Nghe", Vendor: "hik"}
		var seq uint64
		health := func(k event.Kind, at, since time.Time, st event.Status, r event.Reason) {
			seq++
			evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: k, Site: "q1", Agent: agent,
				Camera: cam, Labels: labels, Time: at, Seq: seq,
				Health: &event.Health{Status: st, Reason: r, Since: since, FPS: 15, BitrateKbps: 512}})
		}
		health(event.KindHealth, start, start, event.StatusOnline, "")
		status, since := event.StatusOnline, start
		// An outage about every 20 hours, of 2 min to 6 h.
		next := start.Add(time.Duration(rng.Int64N(int64(20 * time.Hour))))
		for at := start.Add(time.Hour); at.Before(end); at = at.Add(time.Hour) {
			for next.Before(at) {
				down := next
				up := down.Add(2*time.Minute + time.Duration(rng.Int64N(int64(6*time.Hour))))
				if up.After(end) {
					up = end.Add(-time.Minute)
				}
				reason := []event.Reason{event.ReasonTimeout, event.ReasonRefused, event.ReasonStalled}[rng.IntN(3)]
				health(event.KindHealth, down.Add(10*time.Second), down, event.StatusOffline, reason)
				health(event.KindHealth, up.Add(5*time.Second), up, event.StatusOnline, "")
				status, since = event.StatusOnline, up
				next = up.Add(time.Duration(rng.Int64N(int64(40 * time.Hour))))
			}
			health(event.KindStats, at, since, status, "")
		}
	}
	slices.SortStableFunc(evs, func(a, b *event.Event) int { return a.Time.Compare(b.Time) })
	for i := 1; i+1 < len(evs); i += 97 {
		evs[i], evs[i+1] = evs[i+1], evs[i]
	}
	return evs
}

// drain waits until consumer durable has handed out and seen acknowledged
// every message of the stream.
func (r *rig) drain(durable string, want uint64) {
	r.t.Helper()
	testenv.Eventually(r.t, 60*time.Second, func() error {
		c, err := r.js.Consumer(context.Background(), r.stream, durable)
		if err != nil {
			return err
		}
		info, err := c.Info(context.Background())
		if err != nil {
			return err
		}
		if info.AckFloor.Stream < want || info.NumPending > 0 || info.NumAckPending > 0 {
			return fmt.Errorf("ack floor %d of %d, pending %d, ack pending %d",
				info.AckFloor.Stream, want, info.NumPending, info.NumAckPending)
		}
		return nil
	})
}

// TestRebuildAfterFlush is the uptime issue's durability proof: a program
// report computed from what the ingester stored equals the one computed
// after deleting every key of the prefix and replaying the JetStream
// record into it with a new durable consumer.
func TestRebuildAfterFlush(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	end := time.Now().UTC().Truncate(time.Hour)
	evs := cityHistory(end, 8)
	var acks []jetstream.PubAckFuture
	for _, e := range evs {
		m := nats.NewMsg(event.Subject(e))
		m.Data = mustJSON(t, e)
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		f, err := r.js.PublishMsgAsync(m)
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, f)
	}
	select {
	case <-r.js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("publish did not complete")
	}
	var last uint64
	for _, f := range acks {
		select {
		case a := <-f.Ok():
			last = max(last, a.Sequence)
		case err := <-f.Err():
			t.Fatalf("publish: %v", err)
		}
	}
	withTimeout := func(o *IngesterOptions) {
		// The history is 8 days old when published; MaxAge above that keeps
		// every event's age at arrival inside the bound, as a replay of a
		// live stream is (its stored times are the original arrivals).
		o.Store = camstate.New(r.rdb, camstate.Options{Prefix: r.prefix, AgentTimeout: rebuildTimeout, MaxAge: 30 * 24 * time.Hour})
	}

	report := func() *uptime.Report {
		t.Helper()
		src := uptime.NewSource(camstate.New(r.rdb, camstate.Options{Prefix: r.prefix}), uptime.SourceOptions{AgentTimeout: rebuildTimeout,
			Now: func() time.Time { return end }})
		w := uptime.Span{From: end.Add(-7 * 24 * time.Hour), To: end}
		h, err := src.History(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := uptime.Compute(h, uptime.Options{Window: w, GroupBy: uptime.GroupProgram,
			Location: time.FixedZone("ICT", 7*3600), DefaultTarget: 99, Worst: 3})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	first := r.start(r.rdb, withTimeout)
	r.drain(r.cons.Durable, last)
	first.stop()
	before := report()
	// The history must exercise what a rebuild could lose: outages, the
	// agent loss, and every program.
	if before.All.Outages == 0 || before.All.Unknown == 0 || len(before.Groups) != 3 || before.All.Cameras != 6 {
		t.Fatalf("report before the flush is too thin: %d outages, unknown %v, %d groups, %d cameras",
			before.All.Outages, before.All.Unknown, len(before.Groups), before.All.Cameras)
	}

	var keys []string
	iter := r.rdb.Scan(ctx, 0, r.prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatal("nothing stored under the prefix")
	}
	if err := r.rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	if flushed := report(); flushed.All.Cameras != 0 {
		t.Fatalf("report after the flush still has %d cameras", flushed.All.Cameras)
	}

	r.cons.Durable = "rebuild"
	r.start(r.rdb, withTimeout)
	r.drain("rebuild", last)
	after := report()
	if !reflect.DeepEqual(after, before) {
		b, _ := json.Marshal(before.Summary(false))
		a, _ := json.Marshal(after.Summary(false))
		t.Errorf("rebuilt report differs:\nbefore %s\n after %s", b, a)
	}
}

package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/spool"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestSpoolDrainsThroughNATSNodeLoss: an edge agent comes back from an
// uplink outage with a spool full of events (the edge's own spool,
// numbering them) and drains it through a cluster of three nats-server
// processes into the shared Redis Cluster, while it goes on spooling new
// events. Midway the stream's leader, the node the agent is connected to,
// is killed (SIGKILL, as a crash ends it). The
// agent reconnects to a survivor, the survivors elect a leader and the
// forwarder republishes what was not acknowledged; JetStream's duplicate
// window drops what had arrived. Afterwards the stream holds every event
// once and Redis holds every one exactly once (per-camera sequence audit).
func TestSpoolDrainsThroughNATSNodeLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const before, during = 100, 20 // steps spooled before the drain, and while it runs
	city := citysim.New(citysim.Options{Cameras: 20, CamerasPerAgent: 20, Start: end.Add(-(before + during) * 5 * time.Second),
		StatsInterval: 5 * time.Second, HeartbeatInterval: 5 * time.Second, MotionEvery: 40 * time.Second,
		MotionLength: 5 * time.Second, Seed: 13})
	agent := city.Agents()[0]
	nc := testenv.NATSProcessCluster(t, cityAgents(city)...)
	rdb, prefix := testenv.SharedRedisCluster(t)
	rig := newCityRig(t, city, nc.NATSEnv, rdb, 3, end)
	rig.run("aggregator", camstate.Options{Prefix: prefix})

	sp, err := spool.Open(t.TempDir(), spool.Options{SyncEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	last := map[string]uint64{}
	total := 0
	spoolSteps := func(n int) {
		for range n {
			for _, e := range city.Step() {
				if e.Heartbeat != nil {
					e.Heartbeat.Epoch = sp.Epoch() // as the edge announces its spool's epoch
				}
				if err := sp.Append(e); err != nil { // numbers it: seq, epoch
					t.Fatal(err)
				}
				last[citysim.Key(e)] = max(last[citysim.Key(e)], e.Seq)
				total++
			}
		}
	}
	spoolSteps(before)

	// The agent connects to the stream's leader first, so stopping that
	// node takes both its connection and the stream's leader.
	js0, err := jetstream.New(rig.conn())
	if err != nil {
		t.Fatal(err)
	}
	info, err := js0.Stream(ctx, rig.stream)
	if err != nil {
		t.Fatal(err)
	}
	leader := -1
	if cl := info.CachedInfo().Cluster; cl != nil {
		leader = slices.Index(nc.Names, cl.Leader)
	}
	if leader < 0 {
		t.Fatalf("stream leader %+v is none of the members", info.CachedInfo().Cluster)
	}
	urls := append([]string{nc.URLs[leader]}, slices.Delete(slices.Clone(nc.URLs), leader, leader+1)...)
	opts, err := natsauth.ClientOptions(rig.agent(agent), event.AgentInboxPrefix(city.Site(), agent))
	if err != nil {
		t.Fatal(err)
	}
	ec, err := nats.Connect(strings.Join(urls, ","), append(opts, nats.DontRandomize(), nats.MaxReconnects(-1),
		nats.ReconnectWait(100*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	ejs, err := jetstream.New(ec)
	if err != nil {
		t.Fatal(err)
	}
	fctx, fcancel := context.WithCancel(ctx)
	forwarded := make(chan error, 1)
	go func() {
		forwarded <- spool.Forward(fctx, sp, ejs, spool.ForwardOptions{Window: 16, AckTimeout: 2 * time.Second, MaxBackoff: time.Second})
	}()
	defer func() { fcancel(); <-forwarded }()

	// Kill the leader once a third of the spool is through.
	testenv.Eventually(t, time.Minute, func() error {
		if b := sp.Backlog(); b > int64(total*2/3) {
			return fmt.Errorf("backlog %d of %d", b, total)
		}
		return nil
	})
	if b := sp.Backlog(); b == 0 {
		t.Fatalf("the spool drained before the node loss: make it bigger")
	}
	t.Logf("killing member %d (stream leader, the agent's server) with %d of %d events still spooled", leader, sp.Backlog(), total)
	nc.Kill(leader)
	spoolSteps(during)
	testenv.Eventually(t, 90*time.Second, func() error {
		if b := sp.Backlog(); b > 0 {
			return fmt.Errorf("%d events still spooled", b)
		}
		return nil
	})
	if n := ec.Stats().Reconnects; n == 0 {
		t.Errorf("the agent never reconnected: the node loss was not felt")
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		s, err := js0.Stream(ctx, rig.stream)
		if err != nil {
			return err
		}
		if n := s.CachedInfo().State.Msgs; n != uint64(total) {
			return fmt.Errorf("the stream holds %d messages, the spool accepted %d", n, total)
		}
		return nil
	})
	testenv.Eventually(t, 90*time.Second, func() error { return rig.audit(ctx, prefix, last) })
}

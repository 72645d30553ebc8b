package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"reflect"
	"testing"
	"time"

	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/testenv"
)

// TestCityFaults is the fault proof on real clusters: a city of
// 40 cameras under two agents publishes a burst through a cluster of
// three nats-server processes (streams with 3 replicas) into a Redis
// primary with a replica behind three sentinels, stored by two ingesters
// on connections of their own, as two aggregator processes are. During
// the burst one NATS node is killed (SIGKILL), one ingester restarts and
// Sentinel fails the Redis primary over. Afterwards every event JetStream
// accepted is in Redis exactly once (the per-camera sequence audit), and
// the uptime report equals the one computed from a replay of JetStream
// into a fresh prefix.
func TestCityFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const steps = 120
	city := citysim.New(citysim.Options{Cameras: 40, CamerasPerAgent: 20, Start: end.Add(-steps * 5 * time.Second),
		StatsInterval: 5 * time.Second, HeartbeatInterval: 5 * time.Second, MotionEvery: 40 * time.Second,
		MotionLength: 5 * time.Second, OutagesPerDay: 24 * 60 / 4, Seed: 7})
	nc := testenv.NATSProcessCluster(t, cityAgents(city)...)
	sen := testenv.StartSentinel(t)
	rig := newCityRig(t, city, nc.NATSEnv, sen.Client(t), 3, end)
	storeOpts := camstate.Options{Prefix: "city", WaitReplicas: 1}
	primary, err := sen.Primary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stopA, _ := rig.run("aggregator", storeOpts)
	rig.run("aggregator", storeOpts)

	pub, err := citysim.Dial(city, rig.agent)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for step := range steps {
		switch step {
		case 20:
			nc.Kill(1) // a NATS node crashes during the burst (SIGKILL)
		case 80:
			stopA() // an aggregator restarts
			stopA, _ = rig.run("aggregator", storeOpts)
		case 40:
			if err := sen.Failover(ctx); err != nil { // the Redis primary fails over
				t.Fatal(err)
			}
		}
		if err := pub.Publish(ctx, city.Step()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	if err := nc.Start(1); err != nil {
		t.Fatal(err)
	}
	last, count := pub.Accepted()
	ledgerComplete(t, last, count, 42)
	testenv.Eventually(t, 30*time.Second, func() error {
		if now, err := sen.Primary(ctx); err != nil || now == primary {
			return fmt.Errorf("the Redis primary is still %s (%v): no failover happened", now, err)
		}
		return nil
	})
	testenv.Eventually(t, 90*time.Second, func() error { return rig.audit(ctx, "city", last) })

	before := rig.report(ctx, "city", steps)
	if before.All.Cameras != 40 || before.All.Outages == 0 {
		t.Fatalf("report too thin: %d cameras, %d outages", before.All.Cameras, before.All.Outages)
	}
	replay := storeOpts
	replay.Prefix = "replay"
	rig.run("replay", replay)
	testenv.Eventually(t, 90*time.Second, func() error { return rig.audit(ctx, "replay", last) })
	if after := rig.report(ctx, "replay", steps); !reflect.DeepEqual(after, before) {
		b, _ := json.Marshal(before.Summary(false))
		a, _ := json.Marshal(after.Summary(false))
		t.Errorf("uptime from the live store differs from the JetStream replay:\nlive   %s\nreplay %s", b, a)
	}
}

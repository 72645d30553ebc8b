package ingest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/testenv"
)

// TestAggregatorClockSkew: two ingesters share a burst, one clock 90 s
// ahead, the other 90 s behind (three times the agent timeout), as two
// aggregator hosts with badly set clocks would. What they store depends
// on the events' own times, not on the aggregators' clocks: every event
// is in Redis exactly once and the uptime report equals the one from a
// replay of JetStream by a single ingester with a true clock.
func TestAggregatorClockSkew(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const steps = 100
	city := faultCity(end, steps, 14)
	rdb, prefix := testenv.Redis(t)
	rig := newCityRig(t, city, testenv.NATSAuth(t, cityAgents(city)...), rdb, 1, end)
	skewed := func(d time.Duration) func() time.Time {
		return func() time.Time { return end.Add(d) }
	}
	live, replay := prefix+"-live", prefix+"-replay"
	rig.run("aggregator", camstate.Options{Prefix: live, Now: skewed(90 * time.Second)})
	rig.run("aggregator", camstate.Options{Prefix: live, Now: skewed(-90 * time.Second)})
	pub, err := citysim.Dial(city, rig.agent)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for step := range steps {
		if err := pub.Publish(ctx, city.Step()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
	}
	last, count := pub.Accepted()
	ledgerComplete(t, last, count, 32)
	testenv.Eventually(t, time.Minute, func() error { return rig.audit(ctx, live, last) })
	rig.run("replay", camstate.Options{Prefix: replay})
	testenv.Eventually(t, time.Minute, func() error { return rig.audit(ctx, replay, last) })
	before, after := rig.report(ctx, live, steps), rig.report(ctx, replay, steps)
	if before.All.Cameras != 30 || before.All.Outages == 0 {
		t.Fatalf("report too thin: %d cameras, %d outages", before.All.Cameras, before.All.Outages)
	}
	if !reflect.DeepEqual(after, before) {
		b, _ := json.Marshal(before.Summary(false))
		a, _ := json.Marshal(after.Summary(false))
		t.Errorf("uptime stored by skewed aggregators differs from a true-clock replay:\nskewed %s\nreplay %s", b, a)
	}
}

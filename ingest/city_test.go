package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestCityFaults is the fault proof on real clusters: a city of
// 40 cameras under two agents publishes a burst through a three-node
// NATS cluster (streams with 3 replicas) into a Redis primary with a
// replica behind three sentinels, stored by two ingesters on connections
// of their own, as two aggregator processes are. During the burst one
// NATS node stops, one ingester restarts and Sentinel fails the Redis
// primary over. Afterwards every event JetStream accepted is in Redis
// exactly once (the per-camera sequence audit), and the uptime report
// equals the one computed from a replay of JetStream into a fresh prefix.
func TestCityFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const steps = 120
	city := citysim.New(citysim.Options{Cameras: 40, CamerasPerAgent: 20, Start: end.Add(-steps * 5 * time.Second),
		StatsInterval: 5 * time.Second, HeartbeatInterval: 5 * time.Second, MotionEvery: 40 * time.Second,
		MotionLength: 5 * time.Second, OutagesPerDay: 24 * 60 / 4, Seed: 7})
	var agents []natsauth.Agent
	for _, a := range city.Agents() {
		agents = append(agents, natsauth.Agent{Site: city.Site(), Agent: a})
	}
	nc := testenv.NATSCluster(t, agents...)
	sen := testenv.StartSentinel(t)
	rdb := sen.Client(t)

	aggConn := func() *nats.Conn {
		opts, err := natsauth.ClientOptions(nc.Aggregator(), "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := nats.Connect(nc.URL, append(opts, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	js, err := jetstream.New(aggConn())
	if err != nil {
		t.Fatal(err)
	}
	const stream = "CAMWATCH_CITY"
	if err := EnsureStreams(ctx, js, StreamOptions{Name: stream, MaxAge: time.Hour, Duplicates: 2 * time.Minute, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	cons := ConsumerOptions{Durable: "aggregator", Batch: 64, AckWait: 3 * time.Second, MaxDeliver: 50}
	storeOpts := camstate.Options{Prefix: "city", WaitReplicas: 1, Now: func() time.Time { return end }}
	run := func(durable string, o camstate.Options) (stop func()) {
		c := aggConn()
		js, err := jetstream.New(c)
		if err != nil {
			t.Fatal(err)
		}
		co := cons
		co.Durable = durable
		consumer, err := EnsureConsumer(ctx, js, stream, co)
		if err != nil {
			t.Fatal(err)
		}
		m, err := NewMetrics(prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		ictx, icancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		in := NewIngester(IngesterOptions{Consumer: consumer, JS: js, Store: camstate.New(rdb, o), Metrics: m,
			Batch: co.Batch, MaxDeliver: co.MaxDeliver, RetryDelay: 50 * time.Millisecond})
		go func() { done <- in.Run(ictx) }()
		stopped := false
		stop = func() {
			if !stopped {
				stopped = true
				icancel()
				<-done
			}
		}
		t.Cleanup(stop)
		return stop
	}
	primary, err := sen.Primary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stopA := run("aggregator", storeOpts)
	run("aggregator", storeOpts)

	pub, err := citysim.Dial(city, func(agent string) configs.NATS {
		n := nc.Agent(t, city.Site(), agent)
		n.URL = nc.URL
		return n
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for step := range steps {
		switch step {
		case 20:
			nc.Stop(1) // a NATS node lost during the burst
		case 80:
			stopA() // an aggregator restarts
			stopA = run("aggregator", storeOpts)
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
	if len(last) != 42 {
		t.Fatalf("accepted sequences of %d cameras and agents, want 42", len(last))
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		if now, err := sen.Primary(ctx); err != nil || now == primary {
			return fmt.Errorf("the Redis primary is still %s (%v): no failover happened", now, err)
		}
		return nil
	})
	audit := func(prefix string) error {
		s := camstate.New(rdb, camstate.Options{Prefix: prefix, Now: storeOpts.Now})
		for key, n := range last {
			agent, camera, isCam := strings.Cut(key, "/")
			if !isCam {
				seq, err := s.AgentSeq(ctx, agent)
				if err != nil || seq != n {
					return fmt.Errorf("agent %s: seq %d (%v), accepted up to %d", agent, seq, err, n)
				}
				continue
			}
			if count[key] != int(n) {
				t.Fatalf("%s: JetStream acknowledged %d events, last seq %d", key, count[key], n)
			}
			evs, err := s.CameraSeqs(ctx, event.CameraRef{Site: city.Site(), Camera: camera})
			if err != nil {
				return err
			}
			seen := make(map[uint64]int, len(evs))
			for _, seq := range evs {
				seen[seq]++
			}
			for seq := uint64(1); seq <= n; seq++ {
				if seen[seq] != 1 {
					return fmt.Errorf("camera %s: seq %d stored %d times (accepted 1..%d, %d stored)", camera, seq, seen[seq], n, len(evs))
				}
			}
			if len(evs) != int(n) {
				return fmt.Errorf("camera %s: %d stored, accepted %d", camera, len(evs), n)
			}
		}
		return nil
	}
	testenv.Eventually(t, 90*time.Second, func() error { return audit("city") })

	report := func(prefix string) *uptime.Report {
		t.Helper()
		src := uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{Now: func() time.Time { return end }})
		w := uptime.Span{From: city.Now().Add(-steps * 5 * time.Second), To: end}
		h, err := src.History(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := uptime.Compute(h, uptime.Options{Window: w, GroupBy: uptime.GroupProgram, Location: time.UTC, DefaultTarget: 99, Worst: 3})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	before := report("city")
	if before.All.Cameras != 40 || before.All.Outages == 0 {
		t.Fatalf("report too thin: %d cameras, %d outages", before.All.Cameras, before.All.Outages)
	}
	replay := storeOpts
	replay.Prefix = "replay"
	run("replay", replay)
	testenv.Eventually(t, 90*time.Second, func() error { return audit("replay") })
	if after := report("replay"); !reflect.DeepEqual(after, before) {
		b, _ := json.Marshal(before.Summary(false))
		a, _ := json.Marshal(after.Summary(false))
		t.Errorf("uptime from the live store differs from the JetStream replay:\nlive   %s\nreplay %s", b, a)
	}
}

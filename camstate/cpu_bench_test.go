package camstate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// BenchmarkApplyCityCPU is BenchmarkApplyCity on servers of its own (a
// private redis-server, a private three-master cluster, and one with a
// replica per master written with wait_replicas 1, as the city compose
// file runs it), reporting besides events/s the CPU each event costs the
// appliers (this process) and the Redis servers (INFO cpu, replicas
// included): per-core figures that the load of a shared machine does not
// change much, from which docs/operations.md sizes a city.
//
//	go test ./camstate -run '^$' -bench ApplyCityCPU -benchtime 40000x -count 3
func BenchmarkApplyCityCPU(b *testing.B) {
	for _, tc := range []struct {
		name     string
		appliers int
		replicas int // per master, cluster only
		wait     int
		cluster  bool
	}{
		{"redis/appliers=1", 1, 0, 0, false},
		{"redis/appliers=2", 2, 0, 0, false},
		{"cluster/appliers=1", 1, 0, 0, true},
		{"cluster/appliers=2", 2, 0, 0, true},
		{"cluster+replicas/wait=1/appliers=2", 2, 1, 1, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var rdb redis.UniversalClient
			var nodes []string
			if tc.cluster {
				c := testenv.StartRedisCluster(b, testenv.RedisClusterOptions{Replicas: tc.replicas})
				rdb, nodes = c.Client(b), c.Addrs
			} else {
				s := testenv.StartRedis(b)
				rdb, nodes = s.Client(b), []string{s.Addr}
			}
			evs, now := cityEvents(b.N)
			stores := make([]*Store, tc.appliers)
			for i := range stores {
				stores[i] = New(rdb, Options{Prefix: "bench", Now: now, WaitReplicas: tc.wait})
			}
			ctx := context.Background()
			srv0, err := testenv.RedisCPU(ctx, nodes)
			if err != nil {
				b.Fatal(err)
			}
			self0 := testenv.ProcessCPU()
			b.ResetTimer()
			applyShared(b, stores, evs)
			b.StopTimer()
			srv, err := testenv.RedisCPU(ctx, nodes)
			if err != nil {
				b.Fatal(err)
			}
			self := testenv.ProcessCPU() - self0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(self.Microseconds())/float64(b.N), "client-cpu-µs/event")
			b.ReportMetric(float64((srv-srv0).Microseconds())/float64(b.N), "redis-cpu-µs/event")
		})
	}
}

// cityEvents is n events of a simulated city of 2,000 cameras at the
// default intervals, and the city's clock.
func cityEvents(n int) ([]*event.Event, func() time.Time) {
	city := citysim.New(citysim.Options{Cameras: 2000, Start: time.Now().Add(-24 * time.Hour), Seed: 3})
	var evs []*event.Event
	for len(evs) < n {
		evs = append(evs, city.Step()...)
	}
	return evs[:n], city.Now
}

// applyShared applies evs in batches of 256, as the ingester hands them
// over, the stores taking batches from one queue as aggregators share the
// consumer.
func applyShared(b *testing.B, stores []*Store, evs []*event.Event) {
	work := make(chan []*event.Event)
	var wg sync.WaitGroup
	for _, st := range stores {
		wg.Go(func() {
			for batch := range work {
				res, err := st.Apply(context.Background(), batch)
				if err != nil {
					b.Error(err)
					return
				}
				for _, r := range res {
					if r.Err != nil {
						b.Error(r.Err)
						return
					}
				}
			}
		})
	}
	for lo := 0; lo < len(evs); lo += 256 {
		work <- evs[lo:min(lo+256, len(evs))]
	}
	close(work)
	wg.Wait()
}

package camstate

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// BenchmarkApplyCity measures events/s stored by Apply on one Redis and
// on the shared three-master Redis Cluster, by one and by two appliers
// sharing the work (as two aggregator processes share the consumer), in
// one run (docs/BENCHMARKS.md, "Ingest on a cluster"):
//
//	go test ./camstate -run '^$' -bench ApplyCity -benchtime 40000x -count 3
//
// The events are a simulated city of 2,000 cameras at the default
// intervals, in batches of 256 as the ingester hands them over.
func BenchmarkApplyCity(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(testing.TB) (redis.UniversalClient, string)
	}{
		{"redis", func(t testing.TB) (redis.UniversalClient, string) { return testenv.Redis(t) }},
		{"cluster", func(t testing.TB) (redis.UniversalClient, string) { return testenv.SharedRedisCluster(t) }},
	} {
		for _, appliers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/appliers=%d", backend.name, appliers), func(b *testing.B) {
				rdb, prefix := backend.open(b)
				city := citysim.New(citysim.Options{Cameras: 2000, Start: time.Now().Add(-24 * time.Hour), Seed: 3})
				var evs []*event.Event
				for len(evs) < b.N {
					evs = append(evs, city.Step()...)
				}
				evs = evs[:b.N]
				var batches [][]*event.Event
				for lo := 0; lo < len(evs); lo += 256 {
					batches = append(batches, evs[lo:min(lo+256, len(evs))])
				}
				stores := make([]*Store, appliers)
				for i := range stores {
					stores[i] = New(rdb, Options{Prefix: prefix, Now: city.Now})
				}
				work := make(chan []*event.Event)
				b.ResetTimer()
				var wg sync.WaitGroup
				for i := range appliers {
					wg.Go(func() {
						for batch := range work {
							res, err := stores[i].Apply(context.Background(), batch)
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
				for _, batch := range batches {
					work <- batch
				}
				close(work)
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

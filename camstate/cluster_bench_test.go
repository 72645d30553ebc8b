package camstate

import (
	"fmt"
	"testing"

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
				evs, now := cityEvents(b.N)
				stores := make([]*Store, appliers)
				for i := range stores {
					stores[i] = New(rdb, Options{Prefix: prefix, Now: now})
				}
				b.ResetTimer()
				applyShared(b, stores, evs)
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

package uptime

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// BenchmarkProgramReport30dCPU is the 30-day program report over 10,000
// cameras (90 days generated) on a private redis-server and on a private
// three-master Redis Cluster, in one run, reporting besides the wall time
// the CPU each report costs: this process's (read, decode, compute) and
// the Redis servers' (INFO cpu of every node, which serve nothing else).
// CPU per report does not depend on what else loads the machine, wall
// time does: on 2 shared cores the CPU figures are the ones to compare.
// Each runs with the default read workers (workers=0) and with 4, the
// default before it became one per two cores, on the same data.
//
//	go test ./uptime -run '^$' -bench ProgramReport30dCPU -benchtime 5x -count 3
func BenchmarkProgramReport30dCPU(b *testing.B) {
	w := Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}
	for _, backend := range []struct {
		name string
		open func(testing.TB) (redis.UniversalClient, []string)
	}{
		{"redis", func(t testing.TB) (redis.UniversalClient, []string) {
			s := testenv.StartRedis(t)
			return s.Client(t), []string{s.Addr}
		}},
		{"cluster", func(t testing.TB) (redis.UniversalClient, []string) {
			c := testenv.StartRedisCluster(t, testenv.RedisClusterOptions{})
			return c.Client(t), c.Addrs
		}},
	} {
		b.Run(backend.name, func(b *testing.B) {
			rdb, nodes := backend.open(b)
			st := camstate.New(rdb, camstate.Options{Prefix: "bench"})
			if _, err := Generate(context.Background(), st, GenerateOptions{Cameras: 10000, Days: 90, End: genEnd, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			for _, workers := range []int{0, 4} { // the default, and 4 as before
				b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
					src := NewSource(st, SourceOptions{Now: func() time.Time { return genEnd }, Workers: workers})
					srv0, self0 := redisCPU(b, nodes), testenv.ProcessCPU()
					benchReport(b, src, w, GroupProgram, "")
					b.StopTimer()
					srv, self := redisCPU(b, nodes)-srv0, testenv.ProcessCPU()-self0
					b.ReportMetric(float64(self.Milliseconds())/float64(b.N), "client-cpu-ms/op")
					b.ReportMetric(float64(srv.Milliseconds())/float64(b.N), "redis-cpu-ms/op")
				})
			}
		})
	}
}

func redisCPU(b *testing.B, addrs []string) time.Duration {
	d, err := testenv.RedisCPU(context.Background(), addrs)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

package camstate

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// BenchmarkCameraDayMemory measures the Redis memory of one simulated day
// of a city (CITY_CAMERAS cameras, default 1000, at the edge's default
// intervals with motion every few minutes) stored by this package's layout,
// on a private redis-server, as INFO memory's used_memory grown and
// MEMORY USAGE of one camera's keys (docs/BENCHMARKS.md, "Redis memory"):
//
//	go test ./ingest -run '^$' -bench CameraDayMemory -benchtime 1x
func BenchmarkCameraDayMemory(b *testing.B) {
	cams := 1000
	if v, err := strconv.Atoi(os.Getenv("CITY_CAMERAS")); err == nil && v > 0 {
		cams = v
	}
	srv := testenv.StartRedis(b)
	rdb := srv.Client(b)
	ctx := context.Background()
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	city := citysim.New(citysim.Options{Cameras: cams, Start: start, Seed: 1})
	s := New(rdb, Options{Prefix: "camwatch", Now: city.Now})
	base := usedMemory(b, rdb)
	b.ResetTimer()
	events := 0
	for city.Now().Before(start.Add(24 * time.Hour)) {
		evs := city.Step()
		for lo := 0; lo < len(evs); lo += 256 {
			chunk := evs[lo:min(lo+256, len(evs))]
			res, err := s.Apply(ctx, chunk)
			if err != nil {
				b.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil || r.Outcome == OutcomeFailed {
					b.Fatalf("event %+v: %v", chunk[i], r.Err)
				}
			}
		}
		events += len(evs)
	}
	b.StopTimer()
	used := usedMemory(b, rdb) - base
	b.ReportMetric(float64(used)/float64(cams), "B/camera-day")
	b.ReportMetric(float64(events)/float64(cams), "events/camera-day")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	var keys int64
	for _, k := range []string{s.k.camera(q1("cam-00000")), s.k.transitions(q1("cam-00000")), s.k.rollups(q1("cam-00000"))} {
		n, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil && err != redis.Nil {
			b.Fatal(err)
		}
		b.Logf("MEMORY USAGE %s = %d", k, n)
		keys += n
	}
	b.ReportMetric(float64(keys), "B/cam-00000")
}

func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.InfoMap(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

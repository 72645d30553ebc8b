package uptime

import (
	"context"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// benchCity generates n cameras × days into real Redis and returns a
// source on it and the Redis memory the history took, in MB.
func benchCity(b *testing.B, n, days int) (*Source, float64) {
	b.Helper()
	rdb, prefix := testenv.Redis(b)
	ctx := context.Background()
	before := usedMemory(b, rdb)
	if _, err := Generate(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), GenerateOptions{Cameras: n, Days: days, End: genEnd, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	mb := float64(usedMemory(b, rdb)-before) / 1e6
	return NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{Now: func() time.Time { return genEnd }}), mb
}

func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory in INFO memory")
	return 0
}

func benchReport(b *testing.B, src *Source, w Span, g Group, camera string) {
	ref := event.CameraRef{Site: "hcmc", Camera: camera}
	ctx := context.Background()
	opts := Options{Window: w, GroupBy: g, Location: ict, DefaultTarget: 99}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var h *History
		var err error
		if camera != "" {
			h, err = src.Camera(ctx, ref, w)
		} else {
			h, err = src.History(ctx, w)
		}
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Compute(h, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProgramReport30d is the goal: the 30-day program report
// over 10,000 cameras with 90 days of history in real Redis, read and
// computed (goal < 500 ms).
func BenchmarkProgramReport30d(b *testing.B) {
	src, mb := benchCity(b, 10000, 90)
	benchReport(b, src, Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}, GroupProgram, "")
	b.ReportMetric(mb, "redis-MB")
}

// BenchmarkCameraReport is one camera's 30-day report out of the same
// city (goal < 20 ms).
func BenchmarkCameraReport(b *testing.B) {
	src, _ := benchCity(b, 10000, 90)
	benchReport(b, src, Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}, GroupCamera, "cam-04242")
}

// BenchmarkProgramReportScale shows how the cost grows with cameras and
// with the window's days.
func BenchmarkProgramReportScale(b *testing.B) {
	for _, n := range []int{2500, 5000, 10000} {
		src, mb := benchCity(b, n, 90)
		for _, days := range []int{30, 90} {
			b.Run(fmt.Sprintf("cameras=%d/days=%d", n, days), func(b *testing.B) {
				benchReport(b, src, Span{genEnd.Add(-time.Duration(days) * 24 * time.Hour), genEnd}, GroupProgram, "")
				b.ReportMetric(mb, "redis-MB")
			})
		}
	}
}

// BenchmarkProgramReport30dCluster is BenchmarkProgramReport30d with the
// city on the shared three-master Redis Cluster next to the same on one
// Redis, in one run (goal < 500 ms on both): the reads of one camera are
// pipelined per node by the cluster client.
//
//	go test ./uptime -run '^$' -bench ProgramReport30dCluster -benchtime 5x -count 3
func BenchmarkProgramReport30dCluster(b *testing.B) {
	w := Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}
	for _, backend := range []struct {
		name string
		open func(testing.TB) (redis.UniversalClient, string)
	}{
		{"redis", func(t testing.TB) (redis.UniversalClient, string) { return testenv.Redis(t) }},
		{"cluster", func(t testing.TB) (redis.UniversalClient, string) { return testenv.SharedRedisCluster(t) }},
	} {
		b.Run(backend.name, func(b *testing.B) {
			rdb, prefix := backend.open(b)
			st := camstate.New(rdb, camstate.Options{Prefix: prefix})
			if _, err := Generate(context.Background(), st, GenerateOptions{Cameras: 10000, Days: 90, End: genEnd, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			benchReport(b, NewSource(st, SourceOptions{Now: func() time.Time { return genEnd }}), w, GroupProgram, "")
		})
	}
}

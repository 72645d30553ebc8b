package uptime

import (
	"context"
	"os"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/testenv"
)

// TestReportWorkersTiming (CAMWATCH_BENCH=1) compares the 30-day city
// report on a private three-master cluster read by 1 and by 4 pipelines
// at once, interleaved over 9 rounds so that the machine's changing load
// falls on both alike, and logs the medians (docs/BENCHMARKS.md). It
// asserts only that both give the same report: timing is measured, never
// asserted.
func TestReportWorkersTiming(t *testing.T) {
	if os.Getenv("CAMWATCH_BENCH") == "" {
		t.Skip("a measurement: CAMWATCH_BENCH=1")
	}
	c := testenv.StartRedisCluster(t, testenv.RedisClusterOptions{})
	ctx := context.Background()
	w := Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}
	st := camstate.New(c.Client(t), camstate.Options{Prefix: "p"})
	if _, err := Generate(ctx, st, GenerateOptions{Cameras: 10000, Days: 90, End: genEnd, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Window: w, GroupBy: GroupProgram, Location: ict, DefaultTarget: 99}
	res := map[int][]time.Duration{}
	reports := map[int]*Report{}
	for i := 0; i < 9; i++ {
		for _, wk := range []int{1, 4} {
			src := NewSource(st, SourceOptions{Now: func() time.Time { return genEnd }, Workers: wk})
			t0 := time.Now()
			h, err := src.History(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Compute(h, opts)
			if err != nil {
				t.Fatal(err)
			}
			res[wk] = append(res[wk], time.Since(t0))
			reports[wk] = rep
		}
	}
	if !reflect.DeepEqual(reports[1], reports[4]) {
		t.Errorf("the report read by 1 pipeline differs from the one read by 4")
	}
	for _, wk := range []int{1, 4} {
		ds := res[wk]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("cluster workers %d report median %v (min %v max %v)", wk, ds[4].Round(time.Millisecond), ds[0].Round(time.Millisecond), ds[8].Round(time.Millisecond))
	}
}

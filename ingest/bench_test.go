package ingest

import (
	"context"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkStoreApply measures events per second into the real Redis, in
// batches of 256 over 16 cameras.
func BenchmarkStoreApply(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	s := camstate.New(rdb, camstate.Options{Prefix: prefix})
	base := time.Now().Add(-time.Hour)
	const batch = 256
	evs := make([]*event.Event, batch)
	seq := uint64(0)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		for j := range evs {
			seq++
			evs[j] = mk(event.KindStats, "cam-"+string(rune('a'+j%16)), seq, base)
			evs[j].Time = base
		}
		res, err := s.Apply(ctx, evs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngest measures JetStream to Redis end to end: b.N events are
// published, and the clock stops when Redis holds them all.
func BenchmarkIngest(b *testing.B) { benchIngest(b, true) }

// BenchmarkIngestChecks runs the same build with the admission checks on
// (subject, skew, seq and epoch bounds, history bounds, snapshot
// expectations) and off, alternating, rounds times, each phase ingesting
// 20000 events end to end (JetStream to Redis) on a fresh rig, and reports
// the median rate of each and their ratio (docs/BENCHMARKS.md):
//
//	go test ./ingest -run '^$' -bench 'BenchmarkIngestChecks$' -benchtime 1x -v
func BenchmarkIngestChecks(b *testing.B) {
	const rounds, n = 7, 20000
	var on, off []float64
	for range b.N {
		for r := range rounds {
			for _, checks := range []bool{r%2 == 0, r%2 != 0} {
				rate := ingestRate(b, checks, n)
				if checks {
					on = append(on, rate)
				} else {
					off = append(off, rate)
				}
			}
		}
	}
	slices.Sort(on)
	slices.Sort(off)
	mOn, mOff := on[len(on)/2], off[len(off)/2]
	// A parent of sub-benchmarks prints no metrics of its own: log them.
	b.Logf("checks on: median %.0f events/s %v", mOn, roundAll(on))
	b.Logf("checks off: median %.0f events/s %v", mOff, roundAll(off))
	b.Logf("on/off = %.3f", mOn/mOff)
}

func roundAll(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

func ingestRate(b *testing.B, checks bool, n int) float64 {
	b.Helper()
	var rate float64
	b.Run(fmt.Sprintf("checks=%v", checks), func(b *testing.B) {
		start := time.Now()
		ingestN(b, checks, n)
		rate = float64(n) / time.Since(start).Seconds()
	})
	return rate
}

func benchIngest(b *testing.B, checks bool) {
	ingestN(b, checks, b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// ingestN publishes n events and returns when Redis holds them all.
func ingestN(b *testing.B, checks bool, n int) {
	r := newRig(b)
	r.cons.Batch = 256
	in := r.start(r.rdb, func(o *IngesterOptions) {
		o.unchecked = !checks
		o.Store = camstate.New(r.rdb, camstate.Options{Prefix: r.prefix, Unbounded: !checks})
	})
	base := time.Now().Add(-time.Hour)
	b.ResetTimer()
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		if i%4096 == 0 {
			<-r.js.PublishAsyncComplete()
		}
		e := mk(event.KindStats, "cam-"+string(rune('a'+i%16)), uint64(i), base)
		e.Time = base
		m := nats.NewMsg(event.Subject(e))
		m.Data, _ = event.Marshal(e)
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		if _, err := r.js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-r.js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("publish did not complete")
	}
	for {
		if counter(in.m.Events.WithLabelValues("stats")) >= float64(n) {
			break
		}
		if ctx.Err() != nil {
			b.Fatal(ctx.Err())
		}
		time.Sleep(time.Millisecond)
	}
}

package ingest

import (
	"context"
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
	s := NewStore(rdb, StoreOptions{Prefix: prefix})
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
// (subject, skew, seq and epoch bounds, history bounds) and off, in one
// run, so that their cost is a ratio of neighbours (docs/BENCHMARKS.md):
//
//	go test ./ingest -run '^$' -bench BenchmarkIngestChecks -benchtime 20000x -count 6
func BenchmarkIngestChecks(b *testing.B) {
	b.Run("checks=on", func(b *testing.B) { benchIngest(b, true) })
	b.Run("checks=off", func(b *testing.B) { benchIngest(b, false) })
}

func benchIngest(b *testing.B, checks bool) {
	r := newRig(b)
	r.cons.Batch = 256
	in := r.start(r.rdb, func(o *IngesterOptions) {
		o.unchecked = !checks
		o.Store = NewStore(r.rdb, StoreOptions{Prefix: r.prefix, unbounded: !checks})
	})
	base := time.Now().Add(-time.Hour)
	b.ResetTimer()
	ctx := context.Background()
	for i := 1; i <= b.N; i++ {
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
		n := counter(in.m.Events.WithLabelValues("stats"))
		if n >= float64(b.N) {
			break
		}
		if ctx.Err() != nil {
			b.Fatal(ctx.Err())
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

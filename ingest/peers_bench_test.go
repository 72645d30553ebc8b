package ingest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The benchmarks in this file back scripts/bench-ingest.sh: the same
// realistic, pre-published events are drained once by a bare JetStream
// consumer and once by the ingester into the real Redis, so the two rates
// compare like with like. Run them with -benchtime Nx (a fixed N).

// benchBatch is the fetch batch of both benchmarks; CAMWATCH_BENCH_BATCH
// overrides it to compare batch sizes.
func benchBatch(b *testing.B) int {
	if s := os.Getenv("CAMWATCH_BENCH_BATCH"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CAMWATCH_BENCH_BATCH=%q: want a positive integer", s)
		}
		return n
	}
	return 256
}

// benchWorkers is the ingester's Workers; CAMWATCH_BENCH_WORKERS
// overrides the default to compare.
func benchWorkers(b *testing.B) int {
	if s := os.Getenv("CAMWATCH_BENCH_WORKERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CAMWATCH_BENCH_WORKERS=%q: want a positive integer", s)
		}
		return n
	}
	return 0 // the default
}

// realisticEvents builds n events as a fleet sends them: 200 cameras on 4
// agents at 2 sites, mostly stats, some health changes and motion, and one
// heartbeat per agent now and then, each camera with its own seq.
func realisticEvents(n int, base time.Time) []*event.Event {
	const cameras, agents = 200, 4
	seqs := make(map[string]uint64)
	out := make([]*event.Event, 0, n)
	for i := 0; len(out) < n; i++ {
		cam := fmt.Sprintf("cam-%03d", i%cameras)
		k := event.KindStats
		switch {
		case i%50 == 7:
			k = event.KindHeartbeat
		case i%20 == 3:
			k = event.KindHealth
		case i%10 == 1:
			k = event.KindMotionStart
		case i%10 == 2:
			k = event.KindMotionEnd
		}
		key := cam
		if k == event.KindHeartbeat {
			key = fmt.Sprintf("edge-%d", i%agents)
		}
		seqs[key]++
		e := mk(k, cam, seqs[key], base)
		e.Agent = fmt.Sprintf("edge-%d", (i%cameras)%agents)
		e.Site = []string{"q1", "q3"}[(i%cameras)%agents/2]
		e.Time = base.Add(time.Duration(i) * time.Millisecond)
		if k == event.KindHeartbeat {
			e.Agent = key
		}
		if k == event.KindHealth && i%40 == 3 {
			offline(e, event.ReasonStalled)
		}
		out = append(out, e)
	}
	return out
}

// prepublish puts n realistic events into the rig's stream and waits for
// JetStream to have stored them all.
func (r *rig) prepublish(b *testing.B, n int) {
	b.Helper()
	for _, e := range realisticEvents(n, time.Now().Add(-time.Hour)) {
		m := nats.NewMsg(event.Subject(e))
		var err error
		if m.Data, err = event.Marshal(e); err != nil {
			b.Fatal(err)
		}
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		if _, err := r.js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-r.js.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		b.Fatal("publish did not complete")
	}
}

// BenchmarkJetStreamConsumeOnly is the JetStream peer: b.N pre-published
// events drained by Fetch(batch) and one Ack per message, with nothing
// else; the ceiling for any consumer on this embedded server.
func BenchmarkJetStreamConsumeOnly(b *testing.B) {
	r := newRig(b)
	batch := benchBatch(b)
	r.prepublish(b, b.N)
	ctx := context.Background()
	r.cons.Batch = batch
	cons, err := EnsureConsumer(ctx, r.js, r.stream, r.cons)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for got := 0; got < b.N; {
		// Never ask for more than is left: Fetch would wait out MaxWait.
		msgs, err := cons.Fetch(min(batch, b.N-got), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		for m := range msgs.Messages() {
			if err := m.Ack(); err != nil {
				b.Fatal(err)
			}
			got++
		}
		if err := msgs.Error(); err != nil {
			b.Fatal(err)
		}
	}
	waitAcked(b, cons)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngestDrain is camwatch's figure: b.N pre-published realistic
// events, drained by one ingester into the real Redis; the clock stops
// when every message is acknowledged, which happens only after Redis has
// its event.
func BenchmarkIngestDrain(b *testing.B) {
	r := newRig(b)
	r.cons.Batch = benchBatch(b)
	r.prepublish(b, b.N)
	b.ResetTimer()
	in := r.start(r.rdb, func(o *IngesterOptions) { o.Workers = benchWorkers(b) })
	for {
		n := counter(in.m.Duplicates)
		for _, k := range event.Kinds {
			n += counter(in.m.Events.WithLabelValues(string(k)))
		}
		if n >= float64(b.N) {
			break
		}
		if b.Elapsed() > 5*time.Minute {
			b.Fatalf("only %v of %d events stored", n, b.N)
		}
		time.Sleep(time.Millisecond)
	}
	cons, err := r.js.Consumer(context.Background(), r.stream, r.cons.Durable)
	if err != nil {
		b.Fatal(err)
	}
	waitAcked(b, cons)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.StopTimer()
	if d := counter(in.m.Duplicates); d > 0 {
		b.Fatalf("%v duplicates: a redelivery during the run skews the figure", d)
	}
}

// waitAcked returns when the consumer has nothing pending or unacked.
func waitAcked(b *testing.B, cons jetstream.Consumer) {
	b.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		info, err := cons.Info(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		if time.Since(start) > time.Minute {
			b.Fatalf("consumer still has %d pending, %d unacked", info.NumPending, info.NumAckPending)
		}
	}
}

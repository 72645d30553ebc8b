package aggregator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkMotionToSSE measures the latency from a motion.start published
// to JetStream (as the edge's forwarder does) to its firing on the SSE
// feed of the aggregator, while 1,000 stats events per second from 50
// other cameras are published at the same time (the ingester and the
// alerts leader both read them). Each iteration uses a new camera, so
// each motion.start is a new alert. It reports p50 and p99 in ms and the
// background rate actually achieved.
//
//	go test -run '^$' -bench MotionToSSE -benchtime 300x ./aggregator
func BenchmarkMotionToSSE(b *testing.B) {
	natsURL := testenv.NATS(b)
	rdb, prefix := testenv.Redis(b)
	rules := "rules:\n  - id: motion\n    trigger: {type: motion, group: 1s}\n    match: {programs: [bench]}\n"
	path := filepath.Join(b.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		b.Fatal(err)
	}
	a := startAlerting(b, natsURL, rdb, prefix, path, "")
	f := watch(b, "http://"+a.Addr())

	nc, err := nats.Connect(natsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var bg atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { background(ctx, b, js, 1000, &bg) })
	// Let the leader take the lease and the background load settle.
	testenv.Eventually(b, 10*time.Second, func() error {
		if !a.Alerts().Leading() {
			return fmt.Errorf("not leading")
		}
		return nil
	})
	time.Sleep(time.Second)

	lat := make([]time.Duration, 0, b.N)
	started := time.Now()
	bg0 := bg.Load()
	b.ResetTimer()
	for i := range b.N {
		cam := fmt.Sprintf("motion-%d", i)
		now := time.Now()
		ev := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindMotionStart, Site: "q1",
			Agent: "edge-1", Camera: cam, Labels: event.Labels{Program: "bench"}, Time: now, Seq: 1,
			Motion: &event.Motion{Started: now, Score: 0.8, Zones: []string{"gate"}, Detector: "compressed"}}
		data, err := event.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := js.PublishMsgAsync(&nats.Msg{Subject: event.Subject(ev), Data: data}, jetstream.WithMsgID(ev.ID)); err != nil {
			b.Fatal(err)
		}
		for !slices.Contains(f.of(cam), "motion firing") {
			if time.Since(t0) > 10*time.Second {
				b.Fatalf("no firing for %s after 10s", cam)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
		time.Sleep(20 * time.Millisecond) // a few alerts a second, not a flood
	}
	b.StopTimer()
	rate := float64(bg.Load()-bg0) / time.Since(started).Seconds()
	cancel()
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(rate, "bg-events/s")
	b.ReportMetric(0, "ns/op")
}

// background publishes perSec stats events a second, spread over 50
// cameras, until ctx ends; n counts the events JetStream acknowledged.
func background(ctx context.Context, b *testing.B, js jetstream.JetStream, perSec int, n *atomic.Int64) {
	const cams = 50
	seq := make([]uint64, cams)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	per := perSec / 100
	i := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for range per {
			c := i % cams
			i++
			seq[c]++
			now := time.Now()
			ev := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindStats, Site: "q1",
				Agent: "edge-bg", Camera: fmt.Sprintf("bg-%02d", c), Labels: event.Labels{Program: "background"},
				Time: now, Seq: seq[c],
				Health: &event.Health{Status: event.StatusOnline, Since: now.Add(-time.Hour), FPS: 15, BitrateKbps: 512, WindowS: 10, LastFrameAgeMS: 40}}
			data, err := event.Marshal(ev)
			if err != nil {
				b.Error(err)
				return
			}
			f, err := js.PublishMsgAsync(&nats.Msg{Subject: event.Subject(ev), Data: data}, jetstream.WithMsgID(ev.ID))
			if err != nil {
				continue
			}
			go func() {
				select {
				case <-f.Ok():
					n.Add(1)
				case <-f.Err():
				case <-ctx.Done():
				}
			}()
		}
	}
}

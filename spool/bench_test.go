package spool

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

// BenchmarkAppend measures durable appends from 16 concurrent camera
// goroutines, with an fsync per commit and with a 2 ms group commit.
func BenchmarkAppend(b *testing.B) {
	for _, tc := range []struct {
		name      string
		syncEvery time.Duration
	}{
		{"fsync", 0},
		{"group-2ms", 2 * time.Millisecond},
	} {
		b.Run(tc.name, func(b *testing.B) {
			sp, _, _ := open(b, b.TempDir(), Options{SyncEvery: tc.syncEvery})
			var cam atomic.Int64
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				id := fmt.Sprintf("cam-%d", cam.Add(1))
				for pb.Next() {
					if err := sp.Append(cameraEvent(b, id)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkForward measures draining a full spool into JetStream.
func BenchmarkForward(b *testing.B) {
	url := testenv.NATS(b)
	_, js := connect(b, url)
	createStream(b, js)
	sp, _, _ := open(b, b.TempDir(), Options{})
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Go(func() {
			for i := w; i < b.N; i += 16 {
				if err := sp.Append(cameraEvent(b, fmt.Sprintf("cam-%d", w))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	stop := forward(b, sp, js, ForwardOptions{})
	for sp.Backlog() > 0 {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	if err := stop(); err != nil {
		b.Fatal(err)
	}
}

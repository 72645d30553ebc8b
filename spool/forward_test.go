package spool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
)

// freePort reserves a port for a server that starts later.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestForwardAfterOutage(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the NATS url and a func that ends the outage.
		setup func(t *testing.T) (url string, up func())
	}{
		{"stream created late", func(t *testing.T) (string, func()) {
			url := testenv.NATS(t)
			_, js := connect(t, url)
			return url, func() { createStream(t, js) }
		}},
		{"server started late", func(t *testing.T) (string, func()) {
			port, dir := freePort(t), t.TempDir()
			return testenv.NATSURL(t, dir, port), func() {
				srv := testenv.NATSServer(t, dir, port)
				t.Cleanup(srv.Shutdown)
				_, js := connect(t, srv.URL())
				createStream(t, js)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url, up := tc.setup(t)
			sp, reg, logs := open(t, t.TempDir(), Options{})
			_, js := connect(t, url)
			stop := forward(t, sp, js, ForwardOptions{
				MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, AckTimeout: 500 * time.Millisecond,
			})

			accepted := map[string]bool{}
			for i := 0; i < 120; i++ {
				ev := cameraEvent(t, fmt.Sprintf("cam-%d", i%3))
				if i%10 == 0 {
					hb := fixture(t, "heartbeat.json")
					ev = &hb
				}
				if err := sp.Append(ev); err != nil {
					t.Fatal(err)
				}
				accepted[ev.ID] = true
			}
			testenv.Eventually(t, 10*time.Second, func() error {
				if n := metricValue(t, reg, "camwatch_spool_publish_errors_total"); n < 2 {
					return fmt.Errorf("%v publish errors so far", n)
				}
				return nil
			})
			if got := sp.Backlog(); got != 120 {
				t.Fatalf("backlog during the outage %d, want 120", got)
			}

			up()
			testenv.Eventually(t, 20*time.Second, func() error {
				if b := sp.Backlog(); b != 0 {
					return fmt.Errorf("backlog %d", b)
				}
				return nil
			})
			_, js2 := connect(t, url)
			checkDelivered(t, streamContents(t, js2), accepted)
			if got := metricValue(t, reg, "camwatch_spool_published_total"); got != 120 {
				t.Errorf("published metric %v, want 120", got)
			}
			if got := metricValue(t, reg, "camwatch_spool_backlog"); got != 0 {
				t.Errorf("backlog gauge %v", got)
			}
			if n := logs.Count("publishing failed"); n != 1 {
				t.Errorf("outage logged %d times, want once:\n%s", n, logs)
			}
			if n := logs.Count("publishing again"); n != 1 {
				t.Errorf("recovery logged %d times, want once", n)
			}
			if err := stop(); err != nil {
				t.Errorf("forward: %v", err)
			}
		})
	}
}

// TestForwardKilledAndRestarted kills the agent (no state saved) while it
// forwards and appends from many goroutines, restarts it, and checks that
// JetStream holds every accepted event exactly once with no seq missing.
func TestForwardKilledAndRestarted(t *testing.T) {
	url := testenv.NATS(t)
	_, js := connect(t, url)
	createStream(t, js)
	dir := t.TempDir()
	// No checkpoint during run 1 (one big segment, no timer): after the
	// kill everything is sent again and JetStream must drop the repeats.
	fopts := ForwardOptions{Window: 64, CheckpointEvery: time.Hour, MinBackoff: 10 * time.Millisecond}
	const segBytes = 8 << 20

	var mu sync.Mutex
	accepted := map[string]bool{}
	appendAll := func(sp *Spool, workers, each int) {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Go(func() {
				for i := 0; i < each; i++ {
					ev := cameraEvent(t, fmt.Sprintf("cam-%d", w%4))
					if err := sp.Append(ev); err != nil {
						return // killed: not accepted
					}
					mu.Lock()
					accepted[ev.ID] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}

	// Run 1: appends and forwarding race; the process dies mid-way.
	sp, _, _ := open(t, dir, Options{SegmentBytes: segBytes})
	forward(t, sp, js, fopts)
	done := make(chan struct{})
	go func() { appendAll(sp, 8, 200); close(done) }()
	testenv.Eventually(t, 20*time.Second, func() error {
		if n, err := streamCount(js); err != nil || n < 300 {
			return fmt.Errorf("stream holds %d (%v)", n, err)
		}
		return nil
	})
	if err := sp.shutdown(true); err != nil {
		t.Fatal(err)
	}
	<-done
	before, _ := streamCount(js)

	// Run 2: restart, forward again, append more.
	sp2, reg2, _ := open(t, dir, Options{SegmentBytes: segBytes})
	if sp2.Backlog() == 0 {
		t.Fatal("nothing to resend after the kill: the test does not exercise dedupe")
	}
	forward(t, sp2, js, fopts)
	appendAll(sp2, 4, 50)
	mu.Lock()
	want := uint64(len(accepted))
	mu.Unlock()
	waitStream(t, js, want, 30*time.Second)
	testenv.Eventually(t, 10*time.Second, func() error {
		if b := sp2.Backlog(); b != 0 {
			return fmt.Errorf("backlog %d", b)
		}
		return nil
	})
	checkDelivered(t, streamContents(t, js), accepted)
	if dups := metricValue(t, reg2, "camwatch_spool_duplicates_total"); dups < float64(before) {
		t.Errorf("%v duplicates after restart, want at least the %d stored before the kill (state was never saved)", dups, before)
	}
}

func TestForwardSkipsUndecodable(t *testing.T) {
	url := testenv.NATS(t)
	_, js := connect(t, url)
	createStream(t, js)
	dir := t.TempDir()
	sp, _, _ := open(t, dir, Options{})
	accepted := map[string]bool{}
	add := func(sp *Spool) {
		ev := cameraEvent(t, "cam-a")
		if err := sp.Append(ev); err != nil {
			t.Fatal(err)
		}
		accepted[ev.ID] = true
	}
	add(sp)
	add(sp)
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	// A record with a good frame but content no consumer accepts, as an
	// older or buggy build might have left behind.
	segs, _ := listSegments(dir)
	last := segs[len(segs)-1].path
	for _, g := range segs {
		if fi, _ := os.Stat(g.path); fi.Size() > 0 {
			last = g.path
		}
	}
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(appendFrame(nil, []byte(`{"schema":1,"bogus":true}`))); err != nil {
		t.Fatal(err)
	}
	f.Close()

	sp2, reg, logs := open(t, dir, Options{})
	add(sp2)
	forward(t, sp2, js, ForwardOptions{})
	waitStream(t, js, 3, 10*time.Second)
	testenv.Eventually(t, 5*time.Second, func() error {
		if b := sp2.Backlog(); b != 0 {
			return fmt.Errorf("backlog %d", b)
		}
		return nil
	})
	checkDelivered(t, streamContents(t, js), accepted)
	if got := metricValue(t, reg, "camwatch_spool_skipped_total", "reason", skipUndecodable); got != 1 {
		t.Errorf("skipped %v, want 1", got)
	}
	if n := logs.Count("cannot be published"); n != 1 {
		t.Errorf("skip logged %d times, want 1", n)
	}
}

func TestForwardWakesPromptly(t *testing.T) {
	url := testenv.NATS(t)
	nc, js := connect(t, url)
	createStream(t, js)
	sub, err := nc.SubscribeSync(event.AllEventsSubjects)
	if err != nil {
		t.Fatal(err)
	}
	sp, _, _ := open(t, t.TempDir(), Options{})
	forward(t, sp, js, ForwardOptions{})
	for i := 0; i < 5; i++ {
		time.Sleep(30 * time.Millisecond) // let the forwarder go idle
		ev := cameraEvent(t, "cam-a")
		start := time.Now()
		if err := sp.Append(ev); err != nil {
			t.Fatal(err)
		}
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			t.Fatalf("event %d not forwarded: %v", i, err)
		}
		if lat := time.Since(start); lat > 200*time.Millisecond {
			t.Errorf("event %d forwarded after %s", i, lat)
		}
		if m.Header.Get(nats.MsgIdHdr) != ev.ID {
			t.Errorf("msg id %q, want %q", m.Header.Get(nats.MsgIdHdr), ev.ID)
		}
	}
}

func TestForwardDeletesAckedSegments(t *testing.T) {
	url := testenv.NATS(t)
	_, js := connect(t, url)
	createStream(t, js)
	dir := t.TempDir()
	sp, _, _ := open(t, dir, Options{SegmentBytes: 4 << 10, SyncEvery: time.Millisecond})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := 0; i < 100; i++ {
				if err := sp.Append(cameraEvent(t, fmt.Sprintf("cam-%d", w))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix)); len(n) < 10 {
		t.Fatalf("only %d segments: the test needs many", len(n))
	}
	forward(t, sp, js, ForwardOptions{})
	waitStream(t, js, 400, 20*time.Second)
	testenv.Eventually(t, 5*time.Second, func() error {
		segs, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
		if len(segs) > 1 {
			return fmt.Errorf("%d segment files left", len(segs))
		}
		return nil
	})
	if b := sp.Bytes(); b > 4<<10 {
		t.Errorf("%d bytes still accounted", b)
	}
}

func TestForwardOnlyOnce(t *testing.T) {
	sp, _, _ := open(t, t.TempDir(), Options{})
	url := testenv.NATS(t)
	_, js := connect(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := make(chan error, 1)
	go func() { res <- Forward(ctx, sp, js, ForwardOptions{}) }()
	testenv.Eventually(t, 5*time.Second, func() error {
		sp.mu.Lock()
		defer sp.mu.Unlock()
		if sp.fwdDone == nil {
			return fmt.Errorf("first forward not started")
		}
		return nil
	})
	if err := Forward(ctx, sp, js, ForwardOptions{}); !errors.Is(err, ErrForwarding) {
		t.Errorf("second forward: %v, want ErrForwarding", err)
	}
	cancel()
	if err := <-res; err != nil {
		t.Errorf("forward after cancel: %v", err)
	}
}

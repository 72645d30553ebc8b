package edge

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	cliprec "github.com/camwatch/camwatch/clip"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// spoolClip writes a finished clip of n random bytes into dir as a
// recorder does (the MP4, then its description), started at start.
func spoolClip(t *testing.T, dir, motion string, n int, start time.Time) *cliprec.Finished {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	sum := sha256.Sum256(b)
	f := &cliprec.Finished{Camera: "cam-1", Labels: event.Labels{Program: "p1"}, Motion: motion, Path: filepath.Join(dir, motion+".mp4"),
		SHA256: hex.EncodeToString(sum[:]), Bytes: int64(n), Start: start, End: start.Add(10 * time.Second),
		Duration: 10 * time.Second, Frames: 150, Codec: cliprec.H264}
	desc, _ := json.Marshal(f)
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, motion+".json"), desc, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestClipsWaitForTheUplink: with the NATS server down, finished clips
// wait on the edge's disk within the clip budget, the oldest dropped
// first and counted, no clip event is emitted for a clip not stored;
// when the server is back every waiting clip is stored with the edge's
// digest and announced once, oldest first, and the disk copies are gone.
func TestClipsWaitForTheUplink(t *testing.T) {
	natsDir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv := testenv.NATSServer(t, natsDir, port)
	nc, err := nats.Connect(testenv.NATSURL(t, natsDir, port), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if _, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: event.ClipsBucket, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	srv.Shutdown() // the uplink is down from here

	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	sink := newMemSink()
	out := &emitter{site: "q1", agent: "edge-1", sink: sink, metrics: metrics, log: slog.New(slog.DiscardHandler)}
	dir := t.TempDir()
	const size = 64 << 10
	cs, err := newClipSink(dir, 2*size+size/2, js, out, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); cs.run(runCtx) }()
	defer func() { stop(); <-done }()

	t0 := time.Now().Add(-time.Minute)
	var clips []*cliprec.Finished
	for i := range 3 {
		f := spoolClip(t, dir, fmt.Sprintf("motion%08d", i), size, t0.Add(time.Duration(i)*time.Second))
		clips = append(clips, f)
		cs.finished("cam-1", event.Labels{Program: "p1"}, f, nil)
	}
	// The budget holds two: the oldest went, counted.
	if n := metricValue(t, cs.dropped); n != 1 {
		t.Fatalf("dropped %v, want 1", n)
	}
	time.Sleep(500 * time.Millisecond) // the uploader tries, and fails, meanwhile
	waiting, _ := cs.spool.Pending()
	if len(waiting) != 2 || waiting[0].Motion != clips[1].Motion || len(sink.all()) != 0 {
		t.Fatalf("with the uplink down: %d waiting, %d events", len(waiting), len(sink.all()))
	}

	srv = testenv.NATSServer(t, natsDir, port) // back
	defer srv.Shutdown()
	testenv.Eventually(t, 30*time.Second, func() error {
		if n := len(sink.all()); n != 2 {
			return fmt.Errorf("%d clip events", n)
		}
		return nil
	})
	store, err := js.ObjectStore(ctx, event.ClipsBucket)
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range sink.all() {
		want := clips[i+1]
		if ev.Kind != event.KindClip || ev.Clip.Motion != want.Motion || ev.Clip.SHA256 != want.SHA256 {
			t.Fatalf("event %d: %+v, want the clip of %s", i, ev.Clip, want.Motion)
		}
		got, err := store.GetBytes(ctx, ev.Clip.Object)
		if sum := sha256.Sum256(got); err != nil || hex.EncodeToString(sum[:]) != want.SHA256 {
			t.Fatalf("stored %s: %v, digest differs from the edge's", ev.Clip.Object, err)
		}
	}
	if _, err := store.GetInfo(ctx, event.ClipObject("q1", "edge-1", "cam-1", clips[0].Motion)); err == nil {
		t.Fatal("the dropped clip was stored")
	}
	if left, _ := cs.spool.Pending(); len(left) != 0 {
		t.Fatalf("%d clips still on disk after upload", len(left))
	}
	if len(sink.invalid) != 0 {
		t.Fatalf("invalid events: %v", sink.invalid)
	}
}

package ingest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSnapshotsConsumer publishes snapshots the way the edge does and
// expects good ones in Redis with the event retention as TTL, and bad
// ones acknowledged and counted.
func TestSnapshotsConsumer(t *testing.T) {
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	st := NewStore(rdb, StoreOptions{Prefix: prefix, EventRetention: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := prometheus.NewRegistry()
	o := SnapshotOptions{MaxAge: time.Hour, Registerer: reg}
	if err := EnsureSnapshotStream(ctx, js, o); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- RunSnapshots(ctx, js, st, o) }()

	jpegData := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	cases := []struct {
		name, subject, id string
		data              []byte
		stored            bool
	}{
		{"good", "camwatch.snapshots.s1.edge-1.cam1", event.NewID(), jpegData, true},
		{"not a jpeg", "camwatch.snapshots.s1.edge-1.cam1", event.NewID(), []byte("hello"), false},
		{"bad subject", "camwatch.snapshots.s1", event.NewID(), jpegData, false},
		{"bad id", "camwatch.snapshots.s1.edge-1.cam1", "a b", jpegData, false},
	}
	for _, tc := range cases {
		msg := &nats.Msg{Subject: tc.subject, Data: tc.data}
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(tc.id)); err != nil {
			t.Fatalf("%s: publish: %v", tc.name, err)
		}
	}
	dropped := func() float64 {
		mfs, _ := reg.Gather()
		n := 0.0
		for _, mf := range mfs {
			if mf.GetName() == "camwatch_ingest_snapshots_dropped_total" {
				for _, m := range mf.GetMetric() {
					n += m.GetCounter().GetValue()
				}
			}
		}
		return n
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := dropped(); n != 3 {
			return errors.New("bad snapshots not all counted yet")
		}
		return nil
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := st.Snapshot(ctx, tc.id)
			if !tc.stored {
				if !errors.Is(err, ErrNoSnapshot) {
					t.Errorf("Snapshot: %v, want ErrNoSnapshot", err)
				}
				return
			}
			if err != nil || !bytes.Equal(b, tc.data) {
				t.Fatalf("Snapshot = %x, %v", b, err)
			}
			ttl := rdb.TTL(ctx, prefix+":snap:"+tc.id).Val()
			if ttl <= 59*time.Minute || ttl > time.Hour {
				t.Errorf("TTL %s, want the event retention (1h)", ttl)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSnapshots: %v", err)
	}
}

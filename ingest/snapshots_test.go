package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
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
	st := camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := prometheus.NewRegistry()
	o := SnapshotOptions{MaxAge: time.Hour, Registerer: reg, Wait: 2, WaitDelay: 50 * time.Millisecond}
	if err := EnsureSnapshotStream(ctx, js, o); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- RunSnapshots(ctx, js, st, o) }()

	jpegData := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	forged := []byte{0xFF, 0xD8, 0xFF, 0xE0, 6, 6, 6}
	// expect makes the event that references a snapshot of data, as ingest
	// records it.
	expect := func(camera string, data []byte) *event.Event {
		sum := sha256.Sum256(data)
		e := &event.Event{ID: event.NewID(), Site: "s1", Agent: "edge-1", Camera: camera}
		e.Snapshot = &event.Snapshot{ID: e.ID, Bytes: len(data), SHA256: hex.EncodeToString(sum[:])}
		if err := st.ExpectSnapshots(ctx, []*event.Event{e}); err != nil {
			t.Fatal(err)
		}
		return e
	}
	good, wrong, moved, movedSite, other := expect("cam1", jpegData), expect("cam1", jpegData), expect("cam1", jpegData), expect("cam1", jpegData), expect("cam1", jpegData)
	cases := []struct {
		name, subject, id string
		data              []byte
		want              []byte // what Snapshot(id) serves afterwards; nil: nothing
		reason            string
	}{
		{"good", "camwatch.snapshots.s1.edge-1.cam1", good.ID, jpegData, jpegData, ""},
		{"the wrong digest", "camwatch.snapshots.s1.edge-1.cam1", wrong.ID, forged, nil, "digest"},
		{"under another camera", "camwatch.snapshots.s1.edge-1.cam2", moved.ID, jpegData, nil, "no_event"},
		{"under another site", "camwatch.snapshots.s2.edge-1.cam1", movedSite.ID, jpegData, nil, "no_event"},
		{"from another agent", "camwatch.snapshots.s1.edge-2.cam1", other.ID, jpegData, nil, "agent"},
		{"no event references it", "camwatch.snapshots.s1.edge-1.cam1", event.NewID(), jpegData, nil, "no_event"},
		{"not a jpeg", "camwatch.snapshots.s1.edge-1.cam1", event.NewID(), []byte("hello"), nil, "not_jpeg"},
		{"bad subject", "camwatch.snapshots.s1", event.NewID(), jpegData, nil, "subject"},
		{"bad id", "camwatch.snapshots.s1.edge-1.cam1", "a b", jpegData, nil, "id"},
	}
	want := map[string]float64{}
	for _, tc := range cases {
		msg := &nats.Msg{Subject: tc.subject, Data: tc.data}
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(tc.id)); err != nil {
			t.Fatalf("%s: publish: %v", tc.name, err)
		}
		if tc.reason != "" {
			want[tc.reason]++
		}
	}
	dropped := func(reason string) float64 {
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == "camwatch_ingest_snapshots_dropped_total" {
				for _, m := range mf.GetMetric() {
					if m.GetLabel()[0].GetValue() == reason {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.reason != "" {
				testenv.Eventually(t, 10*time.Second, func() error {
					if n := dropped(tc.reason); n != want[tc.reason] {
						return fmt.Errorf("refused as %s: %v, want %v", tc.reason, n, want[tc.reason])
					}
					return nil
				})
			}
			b, err := st.Snapshot(ctx, tc.id)
			if tc.want == nil {
				if !errors.Is(err, camstate.ErrNoSnapshot) {
					t.Errorf("Snapshot: %x %v, want camstate.ErrNoSnapshot", b, err)
				}
				return
			}
			if errors.Is(err, camstate.ErrNoSnapshot) {
				// Not consumed yet: the good case waits for no refusal.
				testenv.Eventually(t, 10*time.Second, func() error {
					b, err = st.Snapshot(ctx, tc.id)
					return err
				})
			}
			if err != nil || !bytes.Equal(b, tc.want) {
				t.Fatalf("Snapshot = %x, %v", b, err)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSnapshots: %v", err)
	}
}

package camstate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// TestPutSnapshotOnce: a snapshot is stored once; a second copy, even a
// matching one, leaves the first, and an event replayed with another
// digest cannot change what the first one expects.
func TestPutSnapshotOnce(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := New(rdb, Options{Prefix: prefix, EventRetention: time.Hour})
	ctx := context.Background()
	pic, other := []byte{0xFF, 0xD8, 1}, []byte{0xFF, 0xD8, 2}
	digest := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	e := &event.Event{ID: event.NewID(), Site: "s1", Agent: "edge-1", Camera: "cam1"}
	e.Snapshot = &event.Snapshot{ID: e.ID, Bytes: 3, SHA256: digest(pic)}
	replay := *e
	replay.Snapshot = &event.Snapshot{ID: e.ID, Bytes: 3, SHA256: digest(other)}
	if err := st.ExpectSnapshots(ctx, []*event.Event{e, &replay}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSnapshot(ctx, "s1", "edge-1", "cam1", e.ID, other); !errors.Is(err, ErrSnapshotRefused) {
		t.Errorf("the replay's picture: %v, want ErrSnapshotRefused", err)
	}
	if err := st.PutSnapshot(ctx, "s1", "edge-1", "cam1", e.ID, pic); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSnapshot(ctx, "s1", "edge-1", "cam1", e.ID, pic); !errors.Is(err, ErrSnapshotExists) {
		t.Errorf("second copy: %v, want ErrSnapshotExists", err)
	}
	if b, err := st.Snapshot(ctx, e.ID); err != nil || !bytes.Equal(b, pic) {
		t.Errorf("Snapshot = %x, %v", b, err)
	}
	if ttl := rdb.TTL(ctx, st.k.snapshot("s1", "cam1", e.ID)).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL %s, want the event retention (1h)", ttl)
	}
}

// TestLatestSnapshotOfCamera: the camera list names each camera's newest
// stored picture (for the console's thumbnails), per site and camera; a
// refused picture does not become the latest.
func TestLatestSnapshotOfCamera(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := New(rdb, Options{Prefix: prefix, EventRetention: time.Hour})
	ctx := context.Background()
	now := time.Now()
	var evs []*event.Event
	for i, cam := range []string{"cam1", "cam2"} {
		evs = append(evs, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "s1", Agent: "edge-1", Camera: cam,
			Time: now, Seq: uint64(i + 1), Health: &event.Health{Status: event.StatusOnline, Since: now}})
	}
	if _, err := st.Apply(ctx, evs); err != nil {
		t.Fatal(err)
	}
	put := func(cam string, pic []byte, sum []byte) (string, error) {
		id := event.NewID()
		d := sha256.Sum256(sum)
		e := &event.Event{ID: id, Site: "s1", Agent: "edge-1", Camera: cam, Snapshot: &event.Snapshot{ID: id, Bytes: len(pic), SHA256: hex.EncodeToString(d[:])}}
		if err := st.ExpectSnapshots(ctx, []*event.Event{e}); err != nil {
			t.Fatal(err)
		}
		return id, st.PutSnapshot(ctx, "s1", "edge-1", cam, id, pic)
	}
	a := []byte{0xFF, 0xD8, 1}
	first, err := put("cam1", a, a)
	if err != nil {
		t.Fatal(err)
	}
	second, err := put("cam1", append(a, 2), append(a, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put("cam1", a, []byte("something else")); !errors.Is(err, ErrSnapshotRefused) {
		t.Fatalf("forged picture: %v", err)
	}
	cams, err := st.Cameras(ctx)
	if err != nil || len(cams) != 2 {
		t.Fatal(cams, err)
	}
	if s := cams[0].Snapshot; s == nil || s.ID != second || s.ID == first || s.At.IsZero() {
		t.Errorf("cam1's latest snapshot %+v, want %s", s, second)
	}
	if cams[1].Snapshot != nil {
		t.Errorf("cam2 has no picture, got %+v", cams[1].Snapshot)
	}
	one, err := st.Camera(ctx, event.CameraRef{Site: "s1", Camera: "cam1"})
	if err != nil || one.Snapshot == nil || one.Snapshot.ID != second {
		t.Errorf("Camera(cam1).Snapshot %+v %v", one, err)
	}
}

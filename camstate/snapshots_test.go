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

package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/ingest"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// TestSnapshotRoute serves a stored snapshot as image/jpeg, 404 for an
// event without one, 400 for a malformed id.
func TestSnapshotRoute(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	store := camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: time.Hour})
	id := event.NewID()
	jpegData := []byte{0xFF, 0xD8, 0xFF, 0xE0, 9, 9}
	sum := sha256.Sum256(jpegData)
	ev := &event.Event{ID: id, Site: "q1", Agent: "edge-1", Camera: "cam-1",
		Snapshot: &event.Snapshot{ID: id, Bytes: len(jpegData), SHA256: hex.EncodeToString(sum[:])}}
	if err := store.ExpectSnapshots(context.Background(), []*event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := store.PutSnapshot(context.Background(), "q1", "edge-1", "cam-1", id, jpegData); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newAPI(Options{Store: ingest.Timeline{Store: store}, Snapshots: store}))
	defer srv.Close()
	cases := []struct {
		name, id string
		status   int
		body     []byte
	}{
		{"stored", id, http.StatusOK, jpegData},
		{"missing", event.NewID(), http.StatusNotFound, nil},
		{"malformed", "x!", http.StatusBadRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/api/v1/events/" + tc.id + "/snapshot")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, b)
			}
			if tc.body != nil && (!bytes.Equal(b, tc.body) || resp.Header.Get("Content-Type") != "image/jpeg") {
				t.Errorf("body %x type %q, want the JPEG", b, resp.Header.Get("Content-Type"))
			}
		})
	}
}

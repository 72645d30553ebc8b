package clip

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func bucket(t *testing.T, url string) (*nats.Conn, jetstream.ObjectStore) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	os_, err := js.CreateOrUpdateObjectStore(context.Background(), jetstream.ObjectStoreConfig{Bucket: "CLIPTEST", MaxBytes: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return nc, os_
}

func fakeClip(t *testing.T, dir string, n int) *Finished {
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(dir, "m.mp4")
	os.WriteFile(p, b, 0o600)
	s := sha256.Sum256(b)
	return &Finished{Motion: "m", Path: p, SHA256: hex.EncodeToString(s[:]), Bytes: int64(n)}
}

// TestUploadInterrupted: an upload cut off half-way (the context ends,
// or the connection drops) leaves no object under the name, and the next
// attempt from the spool stores the whole clip; a second call after
// success uploads nothing; another object under the name is refused.
func TestUploadInterrupted(t *testing.T) {
	url := testenv.NATS(t)
	_, store := bucket(t, url)
	f := fakeClip(t, t.TempDir(), 24<<20)
	const name = "q1/edge-1/cam-1/m.mp4"

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	err := Upload(ctx, store, name, f)
	cancel()
	if err == nil {
		t.Skip("the upload finished within 20 ms; nothing was interrupted")
	}
	if _, err := store.GetInfo(context.Background(), name); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatalf("after an interrupted upload the name resolves: %v", err)
	}
	// A dropped connection mid-way.
	nc2, store2 := bucket(t, url)
	done := make(chan error, 1)
	go func() { done <- Upload(context.Background(), store2, name, f) }()
	time.Sleep(15 * time.Millisecond)
	nc2.Close()
	// Either no object resolves under the name, or the whole clip does
	// (the metadata went out before the connection dropped, its ack did
	// not): never a partial one.
	<-done
	if info, err := store.GetInfo(context.Background(), name); err == nil {
		if int64(info.Size) != f.Bytes {
			t.Fatalf("after a dropped connection %s holds %d of %d bytes", name, info.Size, f.Bytes)
		}
		if got, err := store.GetBytes(context.Background(), name); err != nil || int64(len(got)) != f.Bytes {
			t.Fatalf("after a dropped connection the clip reads %d bytes, %v", len(got), err)
		}
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Fatal(err)
	}
	// Resumed from the spool copy: whole, with the edge's digest.
	if err := Upload(context.Background(), store, name, f); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetBytes(context.Background(), name)
	want, _ := os.ReadFile(f.Path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("stored clip differs: %v", err)
	}
	if err := Upload(context.Background(), store, name, f); err != nil {
		t.Fatalf("a repeat after success: %v", err)
	}
	other := fakeClip(t, t.TempDir(), 1000)
	if err := Upload(context.Background(), store, name, other); !errors.Is(err, ErrDigest) {
		t.Fatalf("another clip under the name: %v", err)
	}
}

package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// setupEvidence opens the evidence service on the world's NATS, gives
// pa-1 and pb-1 a clip each (event and object) and opens case A (pa-1,
// pa-2) and case B (pb-1).
func (w *world) setupEvidence(rdb redis.UniversalClient, prefix string) {
	t := w.t
	t.Helper()
	ctx := context.Background()
	key, _ := signing.GenerateKey()
	var err error
	if w.ev, err = evidence.Open(ctx, evidence.Options{JS: w.e.js, Events: w.store, History: w.src, Audit: w.log, Key: key, ClipsMaxBytes: 64 << 20, EventsStream: "EV"}); err != nil {
		t.Fatal(err)
	}
	clips, err := w.e.js.ObjectStore(ctx, evidence.ClipsBucket)
	if err != nil {
		t.Fatal(err)
	}
	w.clip = map[string]string{}
	for _, cam := range []string{"pa-1", "pb-1"} {
		motion := event.NewID()
		pic := []byte("\xff\xd8\xff\xe0 motion at " + cam)
		psum := sha256.Sum256(pic)
		prog := map[bool]string{true: "pa", false: "pb"}[cam == "pa-1"]
		lab := event.Labels{Program: prog, Ward: "w-" + prog, Location: "Hẻm " + cam}
		me := &event.Event{Schema: 1, ID: motion, Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: cam, Labels: lab,
			Time: time.Now().Add(-30 * time.Second), Seq: w.e.nextSeq(cam), Motion: &event.Motion{Detector: "pixel", Score: 0.3, Started: time.Now().Add(-30 * time.Second)},
			Snapshot: &event.Snapshot{ID: motion, Bytes: len(pic), SHA256: hex.EncodeToString(psum[:])}}
		w.publish(me)
		if res, err := w.store.Apply(ctx, []*event.Event{me}); err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := w.store.ExpectSnapshots(ctx, []*event.Event{me}); err != nil {
			t.Fatal(err)
		}
		if err := w.store.PutSnapshot(ctx, "q1", "edge-1", cam, motion, pic); err != nil {
			t.Fatal(err)
		}
		mp4 := []byte("\x00\x00\x00\x18ftypisom clip of " + cam)
		sum := sha256.Sum256(mp4)
		obj := event.ClipObject("q1", "edge-1", cam, motion)
		if _, err := clips.Put(ctx, jetstream.ObjectMeta{Name: obj}, bytes.NewReader(mp4)); err != nil {
			t.Fatal(err)
		}
		e := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-1", Camera: cam, Labels: lab,
			Time: time.Now().Add(-10 * time.Second), Seq: w.e.nextSeq(cam), Clip: &event.Clip{Object: obj, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(mp4)), Motion: motion}}
		w.publish(e)
		if res, err := w.store.Apply(ctx, []*event.Event{e}); err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if err := w.store.ExpectSnapshots(ctx, []*event.Event{e}); err != nil {
			t.Fatal(err)
		}
		w.clip[cam] = motion
	}
	w.caseA = w.openCase("CASE-PA", "pa-1", "pa-2")
	w.caseB = w.openCase("CASE-PB", "pb-1")
}

func (w *world) openCase(number string, cams ...string) string {
	w.t.Helper()
	c := &evidence.Case{Number: number, Title: "t", Reason: "r",
		Query: evidence.Query{Cameras: cams, From: time.Now().Add(-2 * time.Hour), To: time.Now()}}
	for _, cam := range cams {
		prog := "pa"
		if cam[1] == 'b' {
			prog = "pb"
		}
		c.Cameras = append(c.Cameras, evidence.Camera{ID: cam, Site: "q1", Agent: "edge-1", Program: prog, Ward: "w-" + prog})
	}
	out, err := w.ev.Create(context.Background(), c)
	if err != nil {
		w.t.Fatal(err)
	}
	return out.ID
}

// newCase opens a fresh case of one camera (for the close route).
func (w *world) newCase(cam string) string { return w.openCase("CLOSE-"+cam, cam) }

// publish puts an event on the events stream as its agent does, so a
// case holds its bytes.
func (w *world) publish(e *event.Event) {
	w.t.Helper()
	data, _ := event.Marshal(e)
	if _, err := w.e.js.Publish(context.Background(), event.Subject(e), data); err != nil {
		w.t.Fatal(err)
	}
	if w.sent == nil {
		w.sent = map[string][]byte{}
	}
	w.sent[e.ID] = data
}

// accept publishes e and stores it as the ingester would (its seq, its
// snapshot or clip reference), so a case holds it.
func (w *world) accept(e *event.Event) {
	w.t.Helper()
	ctx := context.Background()
	w.publish(e)
	if res, err := w.store.Apply(ctx, []*event.Event{e}); err != nil || res[0].Err != nil {
		w.t.Fatal(err, res)
	}
	if err := w.store.ExpectSnapshots(ctx, []*event.Event{e}); err != nil {
		w.t.Fatal(err)
	}
}

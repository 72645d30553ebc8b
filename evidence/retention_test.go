package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHoldOutlivesEngineRetention lets each engine's own retention run,
// short: the events stream's max age, the snapshot's Redis TTL (the event
// retention), the clips bucket's TTL, all 2 s. After they passed, the hot
// copies are gone, and an open case still exports the events (their
// published bytes), the snapshot and the clip, with the edge's digests;
// once an admin closed it, its held copies are gone too.
func TestHoldOutlivesEngineRetention(t *testing.T) {
	const retention = 2 * time.Second
	ctx := context.Background()
	rdb, prefix := testenv.Redis(t)
	st := camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: retention})
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EVRET", Subjects: []string{event.AllEventsSubjects},
		MaxAge: retention, Duplicates: time.Second}); err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(ctx, js, audit.Options{Redis: rdb, Prefix: prefix, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := signing.GenerateKey()
	svc, err := Open(ctx, Options{JS: js, Events: st, EventsStream: "EVRET", History: uptime.NewSource(st, uptime.SourceOptions{}),
		Audit: log, Key: key, ClipsTTL: retention, ClipsMaxBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}

	now := time.Now()
	pic := []byte("\xff\xd8\xff\xe0 the walker at the gate")
	mp4 := []byte("\x00\x00\x00\x18ftypisom the clip of the walker")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	motion := event.NewID()
	obj := event.ClipObject("q1", "edge-1", "cam-1", motion)
	evs := []*event.Event{
		{Schema: 1, ID: motion, Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "cam-1", Time: now.Add(-20 * time.Second), Seq: 1,
			Motion: &event.Motion{Detector: "pixel", Score: 0.4}, Snapshot: &event.Snapshot{ID: motion, Bytes: len(pic), SHA256: sum(pic)}},
		{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-1", Camera: "cam-1", Time: now.Add(-5 * time.Second), Seq: 2,
			Clip: &event.Clip{Object: obj, SHA256: sum(mp4), Bytes: int64(len(mp4)), Motion: motion}},
	}
	published := map[string][]byte{}
	for _, e := range evs {
		data, _ := event.Marshal(e)
		if _, err := js.Publish(ctx, event.Subject(e), data); err != nil {
			t.Fatal(err)
		}
		published[e.ID] = data
	}
	if res, err := st.Apply(ctx, evs); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := st.ExpectSnapshots(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSnapshot(ctx, "q1", "edge-1", "cam-1", motion, pic); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.clips.PutBytes(ctx, obj, mp4); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Create(ctx, &Case{Number: "RET-1", Title: "t", Reason: "r",
		Query:   Query{Cameras: []string{"cam-1"}, From: now.Add(-time.Hour), To: now.Add(time.Minute)},
		Cameras: []Camera{{ID: "cam-1", Site: "q1", Agent: "edge-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Held; h.Events != 2 || h.Snapshots != 1 || h.Clips != 1 {
		t.Fatalf("held at opening %+v", h)
	}

	// The engines' retention passes.
	es, _ := js.Stream(ctx, "EVRET")
	testenv.Eventually(t, 20*time.Second, func() error {
		info, err := es.Info(ctx)
		if err != nil {
			return err
		}
		_, serr := st.Snapshot(ctx, motion)
		_, cerr := svc.clips.GetInfo(ctx, obj)
		switch {
		case info.State.Msgs != 0:
			return fmt.Errorf("%d events still in the stream", info.State.Msgs)
		case !errors.Is(serr, camstate.ErrNoSnapshot):
			return fmt.Errorf("snapshot still in Redis: %v", serr)
		case !errors.Is(cerr, jetstream.ErrObjectNotFound):
			return fmt.Errorf("clip still in the clips bucket: %v", cerr)
		}
		return nil
	})

	var buf bytes.Buffer
	if _, err := svc.Export(ctx, ExportRequest{Case: c.ID, Reason: "court", Exporter: Exporter{Kind: "user", Name: "an", Role: "investigator"}}, &buf, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len()), key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Manifest.Counts; n.Events != 2 || n.Snapshots != 1 || n.Clips != 1 || len(rep.Manifest.Missing) != 0 {
		t.Fatalf("after retention the bundle holds %+v, missing %+v", n, rep.Manifest.Missing)
	}
	held := mustFile(t, buf.Bytes(), EventsFile)
	for id, data := range published {
		if !bytes.Contains(held, append(data, '\n')) {
			t.Fatalf("event %s is not in the bundle as published", id)
		}
	}

	if _, err := svc.Close(ctx, c.ID, "admin", "judgement given"); err != nil {
		t.Fatal(err)
	}
	list, err := svc.holds.List(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoObjectsFound) {
		t.Fatal(err)
	}
	for _, o := range list {
		if len(o.Name) > len(c.ID) && o.Name[:len(c.ID)+1] == c.ID+"/" {
			t.Fatalf("%s still held after the close", o.Name)
		}
	}
	if _, err := svc.Export(ctx, ExportRequest{Case: c.ID, Reason: "again"}, &bytes.Buffer{}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("export after the close: %v", err)
	}
}

// mustFile is one file of a bundle.
func mustFile(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	var out []byte
	testenv.RewriteZip(t, b, func(n string, d []byte) []byte {
		if n == name {
			out = d
		}
		return d
	}, nil)
	return out
}

// TestSweepReleasesLeftovers: copies of a closed case that its close left
// behind (a release cut off half-way) are deleted by the next hold
// round; an open case's copies are not touched.
func TestSweepReleasesLeftovers(t *testing.T) {
	ctx := context.Background()
	st, js := storeAndStream(t, "EVSWEEP")
	svc, err := Open(ctx, Options{JS: js, Events: st, EventsStream: "EVSWEEP", History: uptime.NewSource(st, uptime.SourceOptions{}), ClipsMaxBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	open := func(n string) *Case {
		c, err := svc.Create(ctx, &Case{Number: n, Title: "t", Reason: "r", Query: Query{Cameras: []string{"cam-1"}, From: time.Now().Add(-time.Hour), To: time.Now()},
			Cameras: []Camera{{ID: "cam-1", Site: "q1", Agent: "edge-1"}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	keep, gone := open("KEEP"), open("GONE")
	if _, err := svc.Close(ctx, gone.ID, "admin", "done"); err != nil {
		t.Fatal(err)
	}
	// What a release cut off half-way leaves.
	if err := svc.putHeld(ctx, heldFile(gone.ID, SnapshotPath("0123456789abcdef")), []byte("left behind")); err != nil {
		t.Fatal(err)
	}
	cases, _ := svc.Cases.List(ctx)
	if err := svc.sweep(ctx, cases); err != nil {
		t.Fatal(err)
	}
	list, _ := svc.holds.List(ctx)
	kept := 0
	for _, o := range list {
		switch {
		case len(o.Name) > len(gone.ID) && o.Name[:len(gone.ID)+1] == gone.ID+"/":
			t.Fatalf("%s of the closed case is still held", o.Name)
		case len(o.Name) > len(keep.ID) && o.Name[:len(keep.ID)+1] == keep.ID+"/":
			kept++
		}
	}
	if kept == 0 {
		t.Fatal("the open case's copies went too")
	}
}

// TestReaderRefusesWhatTheIngesterRefused: a message dated further ahead
// of its stream time than the admission allows is refused by the
// ingester, whatever seq it names; a later genuine message with that seq
// is the one stored. The reader keeps the genuine one, not the first in
// stream order.
func TestReaderRefusesWhatTheIngesterRefused(t *testing.T) {
	ctx := context.Background()
	st, js := storeAndStream(t, "EVSKEW")
	mk := func(at time.Time) *event.Event {
		return &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "cam-1",
			Time: at, Seq: 1, Motion: &event.Motion{Detector: "pixel", Score: 0.4}}
	}
	forged, genuine := mk(time.Now().Add(10*time.Minute)), mk(time.Now().Add(-time.Minute))
	for _, e := range []*event.Event{forged, genuine} {
		data, _ := event.Marshal(e)
		if _, err := js.Publish(ctx, event.Subject(e), data); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := st.Apply(ctx, []*event.Event{genuine}); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	r := Reader{JS: js, Stream: "EVSKEW", Stored: st, MaxSkew: 2 * time.Minute}
	var got []string
	if _, err := r.Read(ctx, []Camera{{ID: "cam-1", Site: "q1", Agent: "edge-1"}}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), nil, 0,
		func(_ []byte, e *event.Event) { got = append(got, e.ID) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != genuine.ID {
		t.Fatalf("read %v, want only the genuine %s (forged %s)", got, genuine.ID, forged.ID)
	}
}

// storeAndStream is a camstate store on the test Redis and an events
// stream named name on a fresh embedded NATS.
func storeAndStream(t *testing.T, name string) (*camstate.Store, jetstream.JetStream) {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: name, Subjects: []string{event.AllEventsSubjects}}); err != nil {
		t.Fatal(err)
	}
	return camstate.New(rdb, camstate.Options{Prefix: prefix}), js
}

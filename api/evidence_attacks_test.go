package api

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// bundleFile is one file of a bundle, "" when it is not there.
func bundleFile(t *testing.T, b []byte, name string) (string, bool) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	return string(data), true
}

// TestBundleNeverHoldsACorruptClip: a clip event whose object in the
// clips bucket is not the clip the edge hashed (an upload cut off and
// finished by someone else, a copy replaced by another agent's
// credentials) and one whose object never arrived are held as missing,
// each with its reason: the bundle verifies, states both absences in the
// signed manifest, and carries no byte of the wrong object.
func TestBundleNeverHoldsACorruptClip(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	clips, err := w.e.js.ObjectStore(ctx, evidence.ClipsBucket)
	if err != nil {
		t.Fatal(err)
	}
	lab := event.Labels{Program: "pa", Ward: "w-pa", Location: "Hẻm pa-3"}
	clipOf := func(motion string, stored []byte) *event.Event {
		genuine := []byte("\x00\x00\x00\x18ftypisom the clip the edge wrote " + motion)
		sum := sha256.Sum256(genuine)
		obj := event.ClipObject("q1", "edge-1", "pa-3", motion)
		if stored != nil {
			if _, err := clips.Put(ctx, jetstream.ObjectMeta{Name: obj}, bytes.NewReader(stored)); err != nil {
				t.Fatal(err)
			}
		}
		return &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-1", Camera: "pa-3", Labels: lab,
			Time: time.Now().Add(-5 * time.Second), Seq: w.e.nextSeq("pa-3"),
			Clip: &event.Clip{Object: obj, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(genuine)), Motion: motion}}
	}
	wrong := []byte("\x00\x00\x00\x18ftypisom half a clip, then someone else's bytes")
	replaced, never := event.NewID(), event.NewID()
	for _, m := range []string{replaced, never} {
		w.accept(&event.Event{Schema: 1, ID: m, Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "pa-3", Labels: lab,
			Time: time.Now().Add(-20 * time.Second), Seq: w.e.nextSeq("pa-3"), Motion: &event.Motion{Detector: "pixel", Score: 0.2}})
	}
	w.accept(clipOf(replaced, wrong))
	w.accept(clipOf(never, nil))

	inv := w.tokens[auth.Investigator]
	resp, b := w.post(w.srv, inv, "/api/v1/cases", `{"number":"CLIP-1","title":"clips","reason":"r","cameras":["pa-3"],"from":"`+
		time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`","to":"`+time.Now().Add(time.Minute).UTC().Format(time.RFC3339)+`"}`)
	var c evidence.Case
	if resp.StatusCode != 201 || json.Unmarshal(b, &c) != nil {
		t.Fatalf("open: %d %s", resp.StatusCode, b)
	}
	if c.Held.Clips != 0 || c.Held.Missing != 2 || c.Held.Events != 4 {
		t.Fatalf("held %+v, want 4 events, no clip, 2 missing", c.Held)
	}
	resp, b = w.post(w.srv, inv, "/api/v1/cases/"+c.ID+"/export", `{"reason":"court"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	rep, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), w.ev.PublicKey())
	if err != nil {
		t.Fatalf("a bundle stating its missing clips does not verify: %v", err)
	}
	why := map[string]string{}
	for _, m := range rep.Manifest.Missing {
		why[m.Path] = m.Reason
	}
	if why[evidence.ClipPath(replaced)] != evidence.MissingDigest || why[evidence.ClipPath(never)] != evidence.MissingClip || rep.Manifest.Counts.Clips != 0 {
		t.Fatalf("missing %+v, counts %+v", rep.Manifest.Missing, rep.Manifest.Counts)
	}
	for _, p := range []string{evidence.ClipPath(replaced), evidence.ClipPath(never)} {
		if _, ok := bundleFile(t, b, p); ok {
			t.Fatalf("%s is in the bundle", p)
		}
	}
	if bytes.Contains(b, []byte("someone else's bytes")) {
		t.Fatal("the wrong object's bytes are in the bundle")
	}
}

// TestHoldOutlivesEventsStreamRetention: when JetStream's retention has
// removed a case's events from the events stream (and Redis trimmed its
// cameras), the case still exports them from its hold, byte for byte as
// the agent published them.
func TestHoldOutlivesEventsStreamRetention(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	st, err := w.e.js.Stream(ctx, "EV")
	if err != nil {
		t.Fatal(err)
	}
	for _, cam := range []string{"pa-1", "pa-2"} {
		if err := st.Purge(ctx, jetstream.WithPurgeSubject(event.EventsSubjectRoot+".q1.*."+cam+".>")); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{":cam:" + cam + ":marks", ":cam:" + cam + ":events"} {
			w.rdb.Del(ctx, w.prefix+k)
		}
	}
	resp, b := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"after the stream aged out"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	rep, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), w.ev.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Manifest.Counts; c.Events < 2 || c.Snapshots != 1 || c.Clips != 1 {
		t.Fatalf("after the stream's retention the bundle holds %+v", c)
	}
	evs, _ := bundleFile(t, b, evidence.EventsFile)
	motion := w.sent[w.clip["pa-1"]]
	if len(motion) == 0 || !strings.Contains(evs, string(motion)+"\n") {
		t.Fatalf("events.jsonl lacks the motion event's published bytes:\n%s", trim(evs))
	}
}

// TestCaseHoldReleasedOnlyWithAudit: an admin's close while the audit
// log cannot be written is refused (503) and the hold stays whole; an
// investigator's close is refused (403) and recorded as denied; the
// admin's close once the log is back releases the hold with its
// case.close record naming the admin and the case.
func TestCaseHoldReleasedOnlyWithAudit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	holds, err := w.e.js.ObjectStore(ctx, evidence.HoldsBucket)
	if err != nil {
		t.Fatal(err)
	}
	held := func() int {
		list, err := holds.List(ctx)
		if err != nil && err != jetstream.ErrNoObjectsFound {
			t.Fatal(err)
		}
		n := 0
		for _, o := range list {
			if strings.HasPrefix(o.Name, w.caseA+"/") {
				n++
			}
		}
		return n
	}
	before := held()
	if before < 4 {
		t.Fatalf("case A holds %d objects", before)
	}
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	dead, err := audit.Open(ctx, js, audit.Options{Redis: w.rdb, Prefix: w.prefix, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	o := w.opts
	o.Audit = dead
	blind := httptest.NewServer(New(o))
	defer blind.Close()
	if resp, b := w.post(blind, w.tokens[auth.Admin], "/api/v1/cases/"+w.caseA+"/close", `{"note":"quietly"}`); resp.StatusCode != 503 {
		t.Fatalf("close without an audit log: %d %s", resp.StatusCode, b)
	}
	if c, _, err := w.ev.Cases.Get(ctx, w.caseA); err != nil || c.Status != evidence.StatusOpen {
		t.Fatalf("after a refused close the case is %+v %v", c, err)
	}
	if n := held(); n != before {
		t.Fatalf("a refused close released %d of %d held objects", before-n, before)
	}

	if resp, _ := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/close", `{"note":"mine"}`); resp.StatusCode != 403 {
		t.Fatalf("investigator close: %d", resp.StatusCode)
	}
	if n := held(); n != before {
		t.Fatalf("an investigator's close released %d held objects", before-n)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		recs, err := w.log.Query(ctx, audit.Query{Actor: "token:matrix-investigator", Result: audit.Denied, Limit: 100})
		if err != nil {
			return err
		}
		for _, r := range recs {
			if len(r.Objects) > 0 && strings.Contains(r.Objects[0], "close") {
				return nil
			}
		}
		return errorf("no denied record of the investigator's close among %d", len(recs))
	})

	if resp, b := w.post(w.srv, w.tokens[auth.Admin], "/api/v1/cases/"+w.caseA+"/close", `{"note":"judgement given"}`); resp.StatusCode != 200 {
		t.Fatalf("admin close: %d %s", resp.StatusCode, b)
	}
	if n := held(); n != 0 {
		t.Fatalf("%d objects still held after the close", n)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		recs, err := w.log.Query(ctx, audit.Query{Action: "case.close", Object: "case:" + w.caseA, Limit: 10})
		if err != nil {
			return err
		}
		res := map[audit.Result]string{}
		for _, r := range recs {
			res[r.Result] = r.Actor.Name
		}
		if res[audit.Allowed] != "matrix-admin" || res[audit.OK] != "matrix-admin" {
			return errorf("case.close records %v", res)
		}
		return nil
	})
}

// TestCaseHoldKeepsCoverage: when the hot retention has removed the
// status history of a case's cameras, the case's coverage (pa-1 offline
// for its last hour, refused) is still the one exported: a sync never
// replaces a held coverage with one that knows less.
func TestCaseHoldKeepsCoverage(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, cam := range []string{"pa-1", "pa-2"} {
		keys, err := w.rdb.Keys(ctx, w.prefix+"*"+cam+"*").Result()
		if err != nil || len(keys) == 0 {
			t.Fatalf("keys of %s: %v %v", cam, keys, err)
		}
		w.rdb.Del(ctx, keys...)
	}
	resp, b := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"after the history went"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	if _, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), w.ev.PublicKey()); err != nil {
		t.Fatal(err)
	}
	data, _ := bundleFile(t, b, evidence.CoverageFile)
	var cov []evidence.CameraCoverage
	if err := json.Unmarshal([]byte(data), &cov); err != nil {
		t.Fatal(err)
	}
	for _, c := range cov {
		if c.Camera != "pa-1" {
			continue
		}
		for _, iv := range c.Intervals {
			if iv.State == "offline" && iv.Reason == "refused" && c.Seconds["offline"] > 3000 {
				return
			}
		}
		t.Fatalf("pa-1's held coverage lost its outage: %+v", c)
	}
	t.Fatalf("no coverage of pa-1: %s", data)
}

// TestCaseStatesCappedEvents: a camera with more events in the case's
// window than the hold keeps per camera is named in the signed manifest
// with the bound, so "no more events" is never read from a cut list.
func TestCaseStatesCappedEvents(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	key, _ := signing.GenerateKey()
	ev, err := evidence.Open(ctx, evidence.Options{JS: w.e.js, Events: w.store, History: w.src, Audit: w.log, Key: key,
		ClipsMaxBytes: 64 << 20, EventsStream: "EV", MaxEventsPerCamera: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ev.Create(ctx, &evidence.Case{Number: "CAP-1", Title: "t", Reason: "r",
		Query:   evidence.Query{Cameras: []string{"pa-1", "pa-2"}, From: time.Now().Add(-2 * time.Hour), To: time.Now()},
		Cameras: []evidence.Camera{{ID: "pa-1", Site: "q1", Agent: "edge-1", Program: "pa", Ward: "w-pa"}, {ID: "pa-2", Site: "q1", Agent: "edge-1", Program: "pa", Ward: "w-pa"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Held.Capped) != 1 || c.Held.Capped[0] != "q1/pa-1" || c.Held.Events != 1 {
		t.Fatalf("held %+v, want pa-1 capped at 1 event", c.Held)
	}
	var buf bytes.Buffer
	if _, err := ev.Export(ctx, evidence.ExportRequest{Case: c.ID, Reason: "court", Exporter: evidence.Exporter{Kind: "user", Name: "an", Role: "investigator"}}, &buf, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.Verify(bytes.NewReader(buf.Bytes()), int64(buf.Len()), key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if m := rep.Manifest; len(m.Capped) != 1 || m.Capped[0] != "q1/pa-1" || m.EventsPerCamera != 1 {
		t.Fatalf("manifest capped %v at %d", m.Capped, m.EventsPerCamera)
	}
}

// TestLateEventsReachTimelineAndHold: events an edge spooled through an
// uplink outage reach the stream hours after they happened. A timeline
// and a case over that past window still show them (the read does not
// stop at the window's end while a camera has not yet been heard from
// after it), and the hold keeps them, their clip too.
func TestLateEventsReachTimelineAndHold(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	lab := event.Labels{Program: "pa", Ward: "w-pa", Location: "Hẻm pa-4"}
	at := time.Now().Add(-90 * time.Minute) // in the window, published now
	motion := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "pa-4", Labels: lab,
		Time: at, Seq: w.e.nextSeq("pa-4"), Motion: &event.Motion{Detector: "pixel", Score: 0.3}}
	mp4 := []byte("\x00\x00\x00\x18ftypisom the late clip")
	sum := sha256.Sum256(mp4)
	obj := event.ClipObject("q1", "edge-1", "pa-4", motion.ID)
	clips, _ := w.e.js.ObjectStore(ctx, evidence.ClipsBucket)
	if _, err := clips.PutBytes(ctx, obj, mp4); err != nil {
		t.Fatal(err)
	}
	// The spool drains in order: the motion, a health event after the
	// window (the camera heard from again), then the clip, uploaded last.
	w.accept(motion)
	w.accept(&event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1", Camera: "pa-4", Labels: lab,
		Time: time.Now().Add(-10 * time.Minute), Seq: w.e.nextSeq("pa-4"), Health: &event.Health{Status: event.StatusOnline, Since: time.Now().Add(-10 * time.Minute), LastFrameAgeMS: 40}})
	w.accept(&event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-1", Camera: "pa-4", Labels: lab,
		Time: at.Add(15 * time.Second), Seq: w.e.nextSeq("pa-4"), Clip: &event.Clip{Object: obj, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(mp4)), Motion: motion.ID}})
	// Other cameras go on after the window, so the stream has moved on.
	w.e.healthOf("pa-5", "pa", event.StatusOnline)

	from, to := time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339), time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	code, tl, _ := w.call(call{method: "GET", path: "/api/v1/timeline?camera=pa-4&from=" + from + "&to=" + to, token: w.tokens[auth.Investigator]})
	if code != 200 {
		t.Fatalf("timeline: %d %s", code, tl)
	}
	if !strings.Contains(string(tl), motion.ID) || !strings.Contains(string(tl), `"kind":"clip"`) {
		t.Fatalf("the timeline lacks the late motion or its clip: %s", trim(string(tl)))
	}
	resp, b := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases", `{"number":"LATE-1","title":"t","reason":"r","cameras":["pa-4"],"from":"`+from+`","to":"`+to+`"}`)
	var c evidence.Case
	if resp.StatusCode != 201 || json.Unmarshal(b, &c) != nil {
		t.Fatalf("open: %d %s", resp.StatusCode, b)
	}
	if c.Held.Events != 2 || c.Held.Clips != 1 {
		t.Fatalf("held %+v, want the late motion and its clip", c.Held)
	}
}

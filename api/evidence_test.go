package api

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

func (w *world) post(srv *httptest.Server, token, path, body string) (*http.Response, []byte) {
	w.t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func bundles(t *testing.T) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(os.TempDir(), "camwatch-bundle-*.zip"))
	return m
}

// TestEvidenceExport: an investigator's export of a case in scope is a
// bundle that verifies against the published key, holds the case's
// events, the snapshot and the clip with the edge's digests, and the
// audit excerpt with the export's own record; a changed byte fails; an
// operator's export and one outside the scope are refused and audited.
func TestEvidenceExport(t *testing.T) {
	w := newWorld(t)
	inv := w.tokens[auth.Investigator]
	resp, b := w.post(w.srv, inv, "/api/v1/cases", `{"number":"CASE-PA","title":"Hẻm 12 theft","reason":"report 7/2026","cameras":["pa-1","pa-2"],"from":"`+
		time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339)+`","to":"`+time.Now().Add(time.Minute).UTC().Format(time.RFC3339)+`"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("open: %d %s", resp.StatusCode, b)
	}
	var opened evidence.Case
	if err := json.Unmarshal(b, &opened); err != nil || opened.Held.Snapshots != 1 || opened.Held.Clips != 1 {
		t.Fatalf("opened %+v %v", opened, err)
	}
	resp, b = w.post(w.srv, inv, "/api/v1/cases/"+opened.ID+"/export", `{"reason":"court request 7/2026"}`)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	// The key as published.
	kr, err := http.Get(w.srv.URL + "/api/v1/evidence/key")
	if err != nil {
		t.Fatal(err)
	}
	pem, _ := io.ReadAll(kr.Body)
	kr.Body.Close()
	pub, err := signing.ParsePublicPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), pub)
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Manifest
	if m.Counts.Snapshots != 1 || m.Counts.Clips != 1 || m.Counts.Events < 2 || m.Exporter.Role != "investigator" ||
		m.Reason != "court request 7/2026" || m.Case.Number != "CASE-PA" || len(m.Missing) != 0 {
		t.Fatalf("manifest %+v", m)
	}
	if a := auditOf(t, b); !strings.Contains(a, `"action":"case.open"`) || rep.Audit < 3 {
		t.Fatalf("audit excerpt of %d lines without the case's opening: %s", rep.Audit, trim(a))
	}
	if rep.Audit < 3 {
		t.Fatalf("audit excerpt of %d lines", rep.Audit)
	}
	if a := auditOf(t, b); !strings.Contains(a, `"action":"evidence.export"`) || !strings.Contains(a, `"reason:court request 7/2026"`) {
		t.Fatalf("audit.jsonl lacks the export's record: %s", trim(a))
	}
	// One changed byte of the clip (stored, not deflated) fails.
	bad := bytes.Clone(b)
	i := bytes.Index(bad, []byte("ftypisom clip of pa-1"))
	if i < 0 {
		t.Fatal("clip bytes not found in the bundle")
	}
	bad[i+5] ^= 1
	if _, err := evidence.Verify(bytes.NewReader(bad), int64(len(bad)), pub); err == nil || !strings.Contains(err.Error(), "clips/") {
		t.Fatalf("a changed clip byte: %v", err)
	}

	ctx := context.Background()
	denied := func() int {
		recs, err := w.log.Query(ctx, audit.Query{Result: audit.Denied, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	before := denied()
	if resp, b := w.post(w.srv, w.tokens[auth.Operator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"x"}`); resp.StatusCode != 403 {
		t.Fatalf("operator export: %d %s", resp.StatusCode, b)
	}
	if resp, b := w.post(w.srv, inv, "/api/v1/cases/"+w.caseB+"/export", `{"reason":"x"}`); resp.StatusCode != 404 {
		t.Fatalf("out-of-scope export: %d %s", resp.StatusCode, b)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if n := denied(); n < before+2 {
			return errorf("%d denied records, want %d", n, before+2)
		}
		return nil
	})
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// TestExportRefusedWhenStoresDown: with Redis unreachable, or NATS (the
// object store) gone, the export is refused with 503 and no bundle, not
// even a temporary file, is left.
func TestExportRefusedWhenStoresDown(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	deadStore := camstate.New(dead, camstate.Options{Prefix: "x"})
	key, _ := signing.GenerateKey()
	redisDown, err := evidence.Open(ctx, evidence.Options{JS: w.e.js, Events: deadStore, History: uptime.NewSource(deadStore, uptime.SourceOptions{}),
		Audit: w.log, Key: key, ClipsMaxBytes: 64 << 20, EventsStream: "EV"})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	natsDown, err := evidence.Open(ctx, evidence.Options{JS: js, Events: w.store, History: w.src, Audit: w.log, Key: key, ClipsMaxBytes: 64 << 20, EventsStream: "EV"})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	for _, c := range []struct {
		name string
		svc  *evidence.Service
	}{{"redis down", redisDown}, {"object store down", natsDown}} {
		t.Run(c.name, func(t *testing.T) {
			o := w.opts
			o.Investigations = &Investigations{Events: &evidence.Reader{JS: w.e.js, Stream: "EV", Stored: w.store}, History: w.src, Clips: w.store, Evidence: c.svc}
			srv := httptest.NewServer(New(o))
			defer srv.Close()
			before := len(bundles(t))
			resp, b := w.post(srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"x"}`)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Content-Type") == "application/zip" {
				t.Fatalf("%d %s, want 503", resp.StatusCode, trim(string(b)))
			}
			if n := len(bundles(t)); n > before {
				t.Fatalf("%d temporary bundles left behind", n-before)
			}
		})
	}
}

// TestCaseHoldAcrossRetention: once the hot copies are gone (the events
// trimmed from Redis, the snapshot expired, the clip past the bucket's
// TTL), an open case still exports them; after an admin closes it its
// held copies are gone.
func TestCaseHoldAcrossRetention(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rdb, prefix := w.rdb, w.prefix
	// What retention does, engine by engine: the ingest trim of the
	// marks and events, the snapshot's TTL, the clips bucket's TTL.
	for _, k := range []string{":cam:pa-1:marks", ":cam:pa-1:events", ":cam:pa-2:marks", ":cam:pa-2:events"} {
		if err := rdb.Del(ctx, prefix+k).Err(); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := rdb.Keys(ctx, prefix+":snap:q1:pa-1:*").Result()
	if len(keys) == 0 {
		t.Fatal("no snapshot key to expire")
	}
	rdb.Del(ctx, keys...)
	clips, _ := w.e.js.ObjectStore(ctx, evidence.ClipsBucket)
	ref, err := w.store.ClipRef(ctx, w.clip["pa-1"])
	if err != nil {
		t.Fatal(err)
	}
	if err := clips.Delete(ctx, ref.Object); err != nil {
		t.Fatal(err)
	}
	resp, b := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"after retention"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	rep, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), w.ev.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Manifest.Counts; c.Snapshots != 1 || c.Clips != 1 || c.Events < 2 {
		t.Fatalf("after retention the bundle holds %+v, missing %+v", c, rep.Manifest.Missing)
	}
	// The clip is still served, from the hold.
	req, _ := http.NewRequest("GET", w.srv.URL+"/api/v1/events/"+w.clip["pa-1"]+"/clip", nil)
	req.Header.Set("Authorization", "Bearer "+w.tokens[auth.Investigator])
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("clip from the hold: %v %v", err, r)
	}
	// An investigator may not close; an admin may.
	if resp, _ := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/close", `{"note":"done"}`); resp.StatusCode != 403 {
		t.Fatalf("investigator close: %d", resp.StatusCode)
	}
	if resp, b := w.post(w.srv, w.tokens[auth.Admin], "/api/v1/cases/"+w.caseA+"/close", `{"note":"judgement given"}`); resp.StatusCode != 200 {
		t.Fatalf("admin close: %d %s", resp.StatusCode, b)
	}
	holds, _ := w.e.js.ObjectStore(ctx, evidence.HoldsBucket)
	list, _ := holds.List(ctx)
	for _, o := range list {
		if strings.HasPrefix(o.Name, w.caseA+"/") {
			t.Fatalf("%s still held after the case was closed", o.Name)
		}
	}
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 404 {
		t.Fatalf("clip after close: %v %v", err, r)
	}
	if resp, _ := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"again"}`); resp.StatusCode != 409 {
		t.Fatalf("export of a closed case: %d", resp.StatusCode)
	}
}

// TestClipServing: video/mp4, ranges, and the digest check.
func TestClipServing(t *testing.T) {
	w := newWorld(t)
	get := func(rng string) *http.Response {
		req, _ := http.NewRequest("GET", w.srv.URL+"/api/v1/events/"+w.clip["pa-1"]+"/clip", nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens[auth.Operator])
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := get("")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "video/mp4" || r.Header.Get("Accept-Ranges") != "bytes" || !bytes.HasSuffix(body, []byte("pa-1")) {
		t.Fatalf("%d %v %q", r.StatusCode, r.Header, body)
	}
	r = get("bytes=4-11")
	part, _ := io.ReadAll(r.Body)
	if r.StatusCode != 206 || string(part) != "ftypisom" || !strings.HasPrefix(r.Header.Get("Content-Range"), "bytes 4-11/") {
		t.Fatalf("range: %d %q %v", r.StatusCode, part, r.Header)
	}
	// A clip whose stored bytes differ from the edge's digest is not served.
	ctx := context.Background()
	ref, _ := w.store.ClipRef(ctx, w.clip["pa-1"])
	clips, _ := w.e.js.ObjectStore(ctx, evidence.ClipsBucket)
	if _, err := clips.PutBytes(ctx, ref.Object, []byte("forged clip")); err != nil {
		t.Fatal(err)
	}
	// Case A holds the genuine clip: that copy is served, never the
	// forgery.
	r = get("")
	again, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !bytes.Equal(again, body) {
		t.Fatalf("a forged clip: %d %q", r.StatusCode, again)
	}
	// Unheld (after the case is closed), a forgery is not served at all.
	if resp, b := w.post(w.srv, w.tokens[auth.Admin], "/api/v1/cases/"+w.caseA+"/close", `{"note":"x"}`); resp.StatusCode != 200 {
		t.Fatalf("close: %d %s", resp.StatusCode, b)
	}
	if r := get(""); r.StatusCode != 404 {
		t.Fatalf("a forged clip, unheld: %d", r.StatusCode)
	}
}

// TestTimeline: lanes with coverage for the area in scope, events in
// time order, generated history said, parameters checked.
func TestTimeline(t *testing.T) {
	w := newWorld(t)
	consumers := func() int {
		info, err := w.e.js.Stream(context.Background(), "EV")
		if err != nil {
			t.Fatal(err)
		}
		return info.CachedInfo().State.Consumers
	}
	before := consumers()
	code, body := w.do(w.tokens[auth.Investigator], mreq{"GET", "/api/v1/timeline?program=pa&from=" + time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339), ""})
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var tl timelineBody
	if err := json.Unmarshal([]byte(body), &tl); err != nil {
		t.Fatal(err)
	}
	if len(tl.Cameras) != 14 || strings.Contains(body, "pb-1") {
		t.Fatalf("%d lanes: %s", len(tl.Cameras), trim(body))
	}
	// Each lane's read of the events stream gives its consumer back: the
	// server allows a stream 1,000, and fourteen lanes a view would fill
	// that in a few minutes of zooming.
	if code, body := w.do(w.tokens[auth.Investigator], mreq{"GET", "/api/v1/cameras/pa-1/events", ""}); code != 200 {
		t.Fatalf("events: %d %s", code, body)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if after := consumers(); after != before {
			return fmt.Errorf("the events stream holds %d consumers after a timeline and an events list, %d before", after, before)
		}
		return nil
	})
	var lane *timelineCamera
	for i := range tl.Cameras {
		if tl.Cameras[i].ID == "pa-1" {
			lane = &tl.Cameras[i]
		}
	}
	if lane == nil {
		t.Fatal("no lane for pa-1")
	}
	offline := false
	for _, iv := range lane.Coverage {
		offline = offline || iv.State == uptime.Offline && iv.Reason == "refused"
	}
	if !offline || lane.Coverage[0].State != uptime.Online || lane.Events < 2 {
		t.Fatalf("lane pa-1: %+v", lane)
	}
	last := time.Time{}
	for _, raw := range tl.Events {
		var e struct{ Time time.Time }
		json.Unmarshal(raw, &e)
		if e.Time.Before(last) {
			t.Fatal("events out of time order")
		}
		last = e.Time
	}
	if strings.Contains(body, `"generated"`) {
		t.Errorf("a timeline of measured history says generated: %s", trim(body))
	}
	// Generated history (the demo's month) before now: the coverage of a
	// window over it is made up, and the answer says so.
	w.opts.Uptime.Generated = generatedUntil{at: time.Now()}
	defer func() { w.opts.Uptime.Generated = nil }()
	if code, body := w.do(w.tokens[auth.Investigator], mreq{"GET", "/api/v1/timeline?program=pa&from=" + time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339), ""}); code != 200 || !strings.Contains(body, `"generated":true`) || !json.Valid([]byte(body)) {
		t.Errorf("a timeline over generated history: %d %s", code, trim(body))
	}
	for _, bad := range []string{"from=yesterday", "kind=stats", "camera=a%20b", "limit=0", "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"} {
		if code, body := w.do(w.tokens[auth.Investigator], mreq{"GET", "/api/v1/timeline?" + bad, ""}); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}

// auditOf reads a bundle's audit.jsonl.
func auditOf(t *testing.T, b []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(evidence.AuditFile)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	a, _ := io.ReadAll(rc)
	return string(a)
}

// TestEvidenceByHand runs docs/evidence.md's recipe (unzip, openssl,
// sha256sum, jq) on an exported bundle, and on one with a changed
// snapshot, which the recipe must catch.
func TestEvidenceByHand(t *testing.T) {
	for _, tool := range []string{"unzip", "openssl", "jq", "sha256sum", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/services.sh installs it)", tool)
		}
	}
	w := newWorld(t)
	resp, b := w.post(w.srv, w.tokens[auth.Investigator], "/api/v1/cases/"+w.caseA+"/export", `{"reason":"by hand"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, trim(string(b)))
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "evidence-key.pem"), signing.PublicPEM(w.ev.PublicKey()), 0o600)
	recipe := docRecipe(t)
	run := func(bundle []byte) (string, error) {
		os.RemoveAll(filepath.Join(dir, "bundle"))
		os.WriteFile(filepath.Join(dir, "case.zip"), bundle, 0o600)
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", recipe)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(b)
	for _, want := range []string{"Signature Verified Successfully", "files OK", "nothing added", "snapshots OK", "clips OK"} {
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("the recipe on a good bundle: %v\n%s", err, out)
		}
	}
	bad := bytes.Clone(b)
	i := bytes.Index(bad, []byte("motion at pa-1"))
	bad[i] ^= 1
	// The ZIP's own CRC would make unzip refuse; fix it as a forger would.
	bad = testenv.RewriteZip(t, bad, nil, nil)
	if out, _ := run(bad); !strings.Contains(out, "FAILED") || strings.Contains(out, "files OK") || strings.Contains(out, "snapshots OK") {
		t.Fatalf("the recipe passed a changed snapshot: %s", out)
	}
}

// docRecipe is the by-hand shell block of docs/evidence.md.
func docRecipe(t *testing.T) string {
	doc, err := os.ReadFile("../docs/evidence.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "### By hand")
	_, rest, ok2 := strings.Cut(rest, "```sh\n")
	block, _, ok3 := strings.Cut(rest, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/evidence.md has no by-hand recipe")
	}
	return block
}

package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
)

// testBundle writes a bundle of two motion events with snapshots, a clip
// event and a three-record audit excerpt whose middle record is withheld.
func testBundle(t testing.TB, key *signing.Key) []byte {
	t.Helper()
	pics := map[string][]byte{}
	var events bytes.Buffer
	base := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	var motion string
	for i := range 2 {
		id := event.NewID()
		pic := []byte(fmt.Sprintf("\xff\xd8\xff\xe0 picture %d", i))
		pics[id] = pic
		e := &event.Event{Schema: 1, ID: id, Kind: event.KindMotionStart, Site: "q1", Agent: "edge-1", Camera: "cam-1",
			Time: base.Add(time.Duration(i) * time.Minute), Seq: uint64(i + 1), Motion: &event.Motion{Detector: "pixel", Score: 0.4},
			Snapshot: &event.Snapshot{ID: id, Bytes: len(pic), SHA256: sum(pic)}}
		data, _ := event.Marshal(e)
		events.Write(data)
		events.WriteByte('\n')
		motion = id
	}
	clip := []byte("....ftypisom clip bytes")
	ce := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-1", Camera: "cam-1",
		Time: base.Add(3 * time.Minute), Seq: 3, Clip: &event.Clip{Object: event.ClipObject("q1", "edge-1", "cam-1", motion),
			SHA256: sum(clip), Bytes: int64(len(clip)), Motion: motion}}
	data, _ := event.Marshal(ce)
	events.Write(data)
	events.WriteByte('\n')

	var auditBuf bytes.Buffer
	prev := ""
	for seq := uint64(10); seq < 13; seq++ {
		rec := fmt.Sprintf(`{"time":"2026-12-01T15:0%d:00Z","actor":{"kind":"user","name":"an"},"action":"case.open","objects":["case:c1"],"result":"ok","prev":%q}`, seq-10, prev)
		line := fmt.Sprintf(`{"seq":%d,"sha256":%q,"prev":%q,"record":%s}`, seq, sum([]byte(rec)), prev, rec)
		if seq == 11 {
			line = fmt.Sprintf(`{"seq":%d,"sha256":%q,"prev":%q}`, seq, sum([]byte(rec)), prev)
		}
		auditBuf.WriteString(line + "\n")
		prev = sum([]byte(rec))
	}

	var out bytes.Buffer
	w := NewWriter(&out, nil)
	add := func(name string, b []byte) {
		if _, err := w.Add(name, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	add(EventsFile, events.Bytes())
	add(CoverageFile, []byte(`[{"camera":"cam-1","intervals":[]}]`))
	for id, p := range pics {
		add(SnapshotPath(id), p)
	}
	add(ClipPath(motion), clip)
	add(AuditFile, auditBuf.Bytes())
	if _, err := w.Finish(Manifest{Case: CaseInfo{ID: "c1", Number: "123/2026"}, TimeZone: "Asia/Ho_Chi_Minh"}, key); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestVerifyBundle(t *testing.T) {
	key, _ := signing.GenerateKey()
	other, _ := signing.GenerateKey()
	good := testBundle(t, key)
	firstSnap := func(name string) bool { return strings.HasPrefix(name, SnapshotsDir) }
	same := func(_ string, d []byte) []byte { return d }
	var snapName string
	testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
		if firstSnap(name) && snapName == "" {
			snapName = name
		}
		return d
	}, nil)

	rep, err := Verify(bytes.NewReader(good), int64(len(good)), key.Public())
	if err != nil {
		t.Fatalf("a good bundle: %v", err)
	}
	if !rep.Trusted || rep.Events != 3 || rep.Audit != 3 || rep.Files != 6 {
		t.Fatalf("report %+v", rep)
	}
	if rep, err := Verify(bytes.NewReader(good), int64(len(good)), nil); err != nil || rep.Trusted {
		t.Fatalf("without --key: %v %+v", err, rep)
	}

	otherSigned := testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
		if name == SignatureFile {
			return nil
		}
		return d
	}, nil)
	{ // re-sign the same manifest with another key
		zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
		for _, f := range zr.File {
			if f.Name == ManifestFile {
				rc, _ := f.Open()
				m, _ := io.ReadAll(rc)
				otherSigned = testenv.RewriteZip(t, otherSigned, same, map[string][]byte{SignatureFile: other.SignRaw(m)})
			}
		}
	}

	// A forger without the deployment's key builds a whole consistent
	// bundle of their own (other content, their key named in the
	// manifest): it is intact, so only the trusted key can refuse it.
	forged := testBundle(t, other)
	if rep, err := Verify(bytes.NewReader(forged), int64(len(forged)), nil); err != nil || rep.Trusted || rep.KeyID != other.ID() {
		t.Fatalf("a forged bundle without --key: %v %+v, want intact but untrusted, signed by %s", err, rep, other.ID())
	}

	cases := []struct {
		name, want string
		bundle     []byte
	}{
		{"one byte of one snapshot changed", snapName + " has SHA-256", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == snapName {
				d = bytes.Clone(d)
				d[len(d)-1] ^= 1
			}
			return d
		}, nil)},
		{"a file removed", snapName + " is in the manifest but not in the archive", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == snapName {
				return nil
			}
			return d
		}, nil)},
		{"a file added", "snapshots/extra.jpg is in the archive but not in the manifest", testenv.RewriteZip(t, good, same,
			map[string][]byte{"snapshots/extra.jpg": []byte("x")})},
		{"the manifest edited", "manifest.sig does not match manifest.json", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == ManifestFile {
				return bytes.Replace(d, []byte("123/2026"), []byte("124/2026"), 1)
			}
			return d
		}, nil)},
		{"the signature from another key", "manifest.sig does not match manifest.json", otherSigned},
		{"a truncated ZIP", "not a whole ZIP archive", good[:len(good)*2/3]},
		{"a bundle forged and re-signed by another key", "manifest.sig is not signed by key " + key.ID() + " (the manifest names key " + other.ID() + ")", forged},
		{"an event line changed", "events.jsonl has SHA-256", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == EventsFile {
				return bytes.Replace(d, []byte(`"score":0.4`), []byte(`"score":0.5`), 1)
			}
			return d
		}, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(c.bundle), int64(len(c.bundle)), key.Public())
			if !errors.Is(err, ErrNotVerified) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one naming %q", err, c.want)
			}
		})
	}
}

// TestVerifyChecksEdgeDigests: a bundle whose files match its manifest
// but not the digests the edge recorded in the events (a re-signed
// forgery by someone holding the key cannot swap a picture either
// without the events' digests changing) fails naming the event.
func TestVerifyChecksEdgeDigests(t *testing.T) {
	key, _ := signing.GenerateKey()
	var out bytes.Buffer
	w := NewWriter(&out, nil)
	id := event.NewID()
	e := &event.Event{Schema: 1, ID: id, Kind: event.KindMotionStart, Site: "q1", Agent: "a", Camera: "c", Time: time.Now(), Seq: 1,
		Motion: &event.Motion{}, Snapshot: &event.Snapshot{ID: id, Bytes: 3, SHA256: sum([]byte("abc"))}}
	data, _ := event.Marshal(e)
	w.Add(EventsFile, bytes.NewReader(append(data, '\n')))
	w.Add(SnapshotPath(id), strings.NewReader("abd"))
	w.Finish(Manifest{}, key)
	_, err := Verify(bytes.NewReader(out.Bytes()), int64(out.Len()), key.Public())
	if err == nil || !strings.Contains(err.Error(), "event "+id) {
		t.Fatalf("err %v, want the event named", err)
	}
}

func TestVerifyAuditChain(t *testing.T) {
	for _, c := range []struct{ name, audit, want string }{
		{"a missing record", `{"seq":1,"sha256":"aa","prev":""}` + "\n" + `{"seq":3,"sha256":"bb","prev":"aa"}`, "a record is missing"},
		{"a broken link", `{"seq":1,"sha256":"aa","prev":""}` + "\n" + `{"seq":2,"sha256":"bb","prev":"cc"}`, "broken chain"},
		{"a changed record", `{"seq":1,"sha256":"aa","prev":"","record":{"prev":""}}`, "the record was changed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := checkAudit([]byte(c.audit)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestWriterRefusesUnsafeNames(t *testing.T) {
	w := NewWriter(io.Discard, nil)
	for _, n := range []string{"../x", "/etc/passwd", "a/../b", `a\b`, ManifestFile, ""} {
		if _, err := w.Add(n, strings.NewReader("x")); err == nil {
			t.Errorf("%q accepted", n)
		}
	}
}

package event

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecode: whatever arrives, Decode never panics, and what it accepts
// survives a round trip and files under its own subject only.
// Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	good := &Event{Schema: 1, ID: "0123456789abcdef", Kind: KindHealth, Site: "q1", Agent: "edge-1", Camera: "cam-1",
		Time: now, Seq: 1, Epoch: "e1", Health: &Health{Status: StatusOnline, Since: now}}
	data, _ := Marshal(good)
	f.Add(data, "camwatch.events.q1.edge-1.cam-1.health")
	f.Add([]byte(`{"schema":1}`), "camwatch.events.q1.edge-1.cam-1.stats")
	f.Fuzz(func(t *testing.T, data []byte, subject string) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		_ = CheckSubject(e, subject)
		_ = CheckSkew(e, now, DefaultMaxSkew)
		if err := CheckSubject(e, Subject(e)); err != nil {
			t.Fatalf("an accepted event does not match its own subject: %v", err)
		}
		again, err := Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := Decode(again)
		if err != nil {
			t.Fatalf("re-encoded event refused: %v\n%s", err, again)
		}
		if b, _ := Marshal(e2); !bytes.Equal(b, again) {
			t.Fatalf("round trip changed the event:\n%s\n%s", again, b)
		}
		if e.Snapshot != nil {
			SnapshotOrigin(SnapshotSubject(e))
		}
	})
}

// FuzzSnapshotOrigin: any subject parses without a panic, and an accepted
// one names valid ids that build the same subject back.
func FuzzSnapshotOrigin(f *testing.F) {
	f.Add("camwatch.snapshots.q1.edge-1.cam-1")
	f.Add("camwatch.snapshots..x.")
	f.Fuzz(func(t *testing.T, subject string) {
		site, agent, camera, ok := SnapshotOrigin(subject)
		if !ok {
			return
		}
		if got := SnapshotSubject(&Event{Site: site, Agent: agent, Camera: camera}); got != subject {
			t.Fatalf("%q parsed to %s/%s/%s, which builds %q", subject, site, agent, camera, got)
		}
	})
}

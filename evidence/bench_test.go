package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkExport measures a case of 50 cameras x 24 h on a real Redis
// and an embedded NATS: 14,400 motion events (a start and an end every
// 10 minutes per camera), 1,000 of them with a stored 20 KB snapshot, and
// 50 clips of 1 MB in the clips bucket. It reports the time to open the
// case (its first hold sync copies every snapshot and clip), to export
// the bundle to a file (a sync, then the ZIP) and to verify it.
//
//	go test ./evidence -run '^$' -bench Export -benchtime 3x
func BenchmarkExport(b *testing.B) {
	ctx := context.Background()
	rdb, prefix := testenv.Redis(b)
	st := camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: 72 * time.Hour})
	nc, err := nats.Connect(testenv.NATS(b))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	log, err := audit.Open(ctx, js, audit.Options{Redis: rdb, Prefix: prefix, Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "EVBENCH", Subjects: []string{event.AllEventsSubjects}}); err != nil {
		b.Fatal(err)
	}
	key, _ := signing.GenerateKey()
	svc, err := Open(ctx, Options{JS: js, Events: st, EventsStream: "EVBENCH", History: uptime.NewSource(st, uptime.SourceOptions{}), Audit: log, Key: key,
		ClipsMaxBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	end := time.Now().Truncate(time.Minute)
	start := end.Add(-24 * time.Hour)
	var cams []Camera
	snaps, clipsN := 0, 0
	for c := range 50 {
		cam := fmt.Sprintf("cam-%03d", c)
		cams = append(cams, Camera{ID: cam, Site: "q1", Agent: "edge-bench", Program: "bench"})
		var evs []*event.Event
		var pics [][]byte
		seq := uint64(0)
		for t := start.Add(time.Minute); t.Before(end); t = t.Add(10 * time.Minute) {
			seq++
			id := event.NewID()
			e := &event.Event{Schema: 1, ID: id, Kind: event.KindMotionStart, Site: "q1", Agent: "edge-bench", Camera: cam, Time: t, Seq: seq,
				Labels: event.Labels{Program: "bench"}, Motion: &event.Motion{Detector: "pixel", Score: 0.5, Started: t}}
			if seq%14 == 1 && snaps < 1000 {
				pic := make([]byte, 20<<10)
				rand.Read(pic)
				s := sha256.Sum256(pic)
				e.Snapshot = &event.Snapshot{ID: id, Bytes: len(pic), SHA256: hex.EncodeToString(s[:])}
				pics = append(pics, pic)
				snaps++
			}
			evs = append(evs, e)
			seq++
			evs = append(evs, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindMotionEnd, Site: "q1", Agent: "edge-bench", Camera: cam,
				Time: t.Add(30 * time.Second), Seq: seq, Labels: event.Labels{Program: "bench"}, Motion: &event.Motion{Started: t, DurationS: 30}})
		}
		// One clip per camera, of its first motion.
		mp4 := make([]byte, 1<<20)
		rand.Read(mp4)
		s := sha256.Sum256(mp4)
		m := evs[0]
		obj := event.ClipObject("q1", "edge-bench", cam, m.ID)
		if _, err := svc.clips.PutBytes(ctx, obj, mp4); err != nil {
			b.Fatal(err)
		}
		seq++
		evs = append(evs, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindClip, Site: "q1", Agent: "edge-bench", Camera: cam,
			Time: m.Time.Add(40 * time.Second), Seq: seq, Labels: event.Labels{Program: "bench"},
			Clip: &event.Clip{Object: obj, SHA256: hex.EncodeToString(s[:]), Bytes: int64(len(mp4)), Motion: m.ID}})
		clipsN++
		for _, e := range evs {
			data, _ := event.Marshal(e)
			if _, err := js.PublishAsync(event.Subject(e), data); err != nil {
				b.Fatal(err)
			}
		}
		<-js.PublishAsyncComplete()
		if res, err := st.Apply(ctx, evs); err != nil || res[0].Err != nil {
			b.Fatal(err, res[0].Err)
		}
		if err := st.ExpectSnapshots(ctx, evs); err != nil {
			b.Fatal(err)
		}
		i := 0
		for _, e := range evs {
			if e.Snapshot != nil {
				if err := st.PutSnapshot(ctx, "q1", "edge-bench", cam, e.ID, pics[i]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		}
	}
	b.Logf("%d cameras, %d snapshots, %d clips", len(cams), snaps, clipsN)
	dir := b.TempDir()
	var open, export, verify, copyTime, hashTime time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		c := &Case{ID: NewCaseID(), Number: fmt.Sprint("B-", i), Title: "bench", Reason: "bench",
			Query: Query{Programs: []string{"bench"}, From: start, To: end}, Cameras: cams}
		seqRec, err := log.Append(ctx, audit.Record{Actor: audit.Actor{Kind: "user", Name: "bench"}, Action: "case.open", Objects: []string{"case:" + c.ID}, Result: audit.OK})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, err := svc.Create(ctx, c); err != nil {
			b.Fatal(err)
		}
		open += time.Since(t0)
		path := filepath.Join(dir, c.ID+".zip")
		f, _ := os.Create(path)
		t0 = time.Now()
		m, err := svc.Export(ctx, ExportRequest{Case: c.ID, Exporter: Exporter{Kind: "user", Name: "bench", Role: "investigator"}, Reason: "bench", UpTo: seqRec}, f, nil)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
		export += time.Since(t0)
		if m.Counts.Snapshots != snaps || m.Counts.Clips != clipsN || m.Counts.Events != 50*289 {
			b.Fatalf("counts %+v", m.Counts)
		}
		data, _ := os.ReadFile(path)
		size = int64(len(data))
		t0 = time.Now()
		if _, err := Verify(bytes.NewReader(data), size, key.Public()); err != nil {
			b.Fatal(err)
		}
		verify += time.Since(t0)
		// The peers in the same run: the floor of any export (copying
		// the held bytes once, with the bundle's size, to a file) and of
		// any verification (one SHA-256 over the whole bundle).
		t0 = time.Now()
		if err := os.WriteFile(path+".copy", data, 0o600); err != nil {
			b.Fatal(err)
		}
		copyTime += time.Since(t0)
		t0 = time.Now()
		sha256.Sum256(data)
		hashTime += time.Since(t0)
		if _, err := svc.Close(ctx, c.ID, "bench", "done"); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(open.Seconds()/n, "open-s")
	b.ReportMetric(export.Seconds()/n, "export-s")
	b.ReportMetric(verify.Seconds()/n, "verify-s")
	b.ReportMetric(float64(size)/(1<<20), "bundle-MiB")
	b.ReportMetric(copyTime.Seconds()/n, "peer-copy-s")
	b.ReportMetric(hashTime.Seconds()/n, "peer-sha256-s")
	b.ReportMetric(verify.Seconds()/hashTime.Seconds(), "verify/sha256")
}

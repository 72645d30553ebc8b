package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// badMessages are the rejected fixtures, on the subject they arrive on.
var badMessages = []struct {
	name, file, subject, reason string
}{
	{"bad JSON", "malformed.json", "camwatch.events.q1.edge-1.cam-1.health", ReasonMalformed},
	{"unknown field", "unknown-field.json", "camwatch.events.q1.edge-1.cam-1.stats", ReasonUnknownField},
	{"future schema", "future-schema.json", "camwatch.events.q1.edge-1.cam-1.stats", ReasonSchema},
	{"wrong subject", "wrong-subject.json", "camwatch.events.q1.edge-1.cam-2.stats", ReasonSubject},
	{"subject of another agent", "wrong-subject.json", "camwatch.events.q1.edge-2.cam-1.stats", ReasonSubject},
	{"subject of another site", "wrong-subject.json", "camwatch.events.q2.edge-1.cam-1.stats", ReasonSubject},
	{"subject of another kind", "wrong-subject.json", "camwatch.events.q1.edge-1.cam-1.health", ReasonSubject},
	{"bad status", "bad-status.json", "camwatch.events.q1.edge-1.cam-1.health", ReasonInvalid},
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckClassifies(t *testing.T) {
	for _, c := range badMessages {
		t.Run(c.name, func(t *testing.T) {
			e, reason, err := check(c.subject, fixture(t, c.file), time.Time{}, 0)
			if e != nil || reason != c.reason || err == nil {
				t.Errorf("check = %v, %q, %v; want reason %q", e, reason, err, c.reason)
			}
		})
	}
	big := make([]byte, event.MaxSize+1)
	if _, reason, _ := check("camwatch.events.q1.c.stats", big, time.Time{}, 0); reason != ReasonTooLarge {
		t.Errorf("oversized: reason %q", reason)
	}
	good := mk(event.KindStats, "cam-1", 1, t0)
	data, _ := event.Marshal(good)
	if e, reason, err := check(event.Subject(good), data, t0, 0); e == nil || reason != "" || err != nil {
		t.Errorf("valid event: %v %q %v", e, reason, err)
	}
	for _, c := range []struct {
		name   string
		ahead  time.Duration
		reason string
	}{
		{"1 h in the future", time.Hour, ReasonFuture},
		{"3 min in the future", 3 * time.Minute, ReasonFuture},
		{"1 min ahead (clock skew)", time.Minute, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ahead := mk(event.KindStats, "cam-1", 1, t0.Add(c.ahead))
			data, _ := event.Marshal(ahead)
			if _, reason, _ := check(event.Subject(ahead), data, t0, 0); reason != c.reason {
				t.Errorf("reason %q, want %q", reason, c.reason)
			}
		})
	}
}

func TestIngestDeadLettersBadMessages(t *testing.T) {
	r := newRig(t)
	in := r.start(r.rdb, nil)
	base := time.Now().Add(-time.Minute)
	seq := uint64(0)
	for i, c := range badMessages {
		seq++
		r.publish(mk(event.KindStats, "cam-1", seq, base))
		r.publishRaw(c.subject, "bad-"+c.name, fixture(t, c.file))
		if i == 2 {
			seq++
			r.publish(mk(event.KindHeartbeat, "", seq, base))
		}
	}
	seq++
	r.publish(mk(event.KindStats, "cam-1", seq, base))
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-1") != len(badMessages)+1, "stored %d of %d", r.stored(in.store, "cam-1"), len(badMessages)+1)
	})
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(len(r.deadLetters()) != len(badMessages), "%d dead letters", len(r.deadLetters()))
	})
	dls := map[string]bool{}
	for _, m := range r.deadLetters() {
		dls[m.Subject] = true
		if m.Header.Get(HeaderReason) == "" || m.Header.Get(HeaderSubject) == "" || m.Header.Get(HeaderError) == "" {
			t.Errorf("dead letter %s lacks headers: %v", m.Subject, m.Header)
		}
	}
	want := map[string]float64{}
	for _, c := range badMessages {
		want[c.reason]++
	}
	for _, c := range badMessages {
		if !dls[event.DeadLetter(c.reason)] {
			t.Errorf("%s: nothing on %s", c.name, event.DeadLetter(c.reason))
		}
		if n := counter(in.m.Invalid.WithLabelValues(c.reason)); n != want[c.reason] {
			t.Errorf("%s: invalid_total{reason=%s} = %v, want %v", c.name, c.reason, n, want[c.reason])
		}
	}
	if n := counter(in.m.Events.WithLabelValues("stats")); n != float64(len(badMessages)+1) {
		t.Errorf("events_total{stats} = %v", n)
	}
	if n := counter(in.m.Events.WithLabelValues("heartbeat")); n != 1 {
		t.Errorf("events_total{heartbeat} = %v", n)
	}
}

func TestIngestStoresRepeatsOnce(t *testing.T) {
	r := newRig(t)
	base := time.Now().Add(-time.Minute)
	e1, e2 := mk(event.KindHealth, "cam-d", 1, base), mk(event.KindStats, "cam-d", 2, base)

	// A replica stored e1 in Redis and died before its ack: e1 comes back.
	r.cons.AckWait = 500 * time.Millisecond
	store := camstate.New(r.rdb, camstate.Options{Prefix: r.prefix})
	mustApply(t, store, e1)
	r.publish(e1)
	cons, err := EnsureConsumer(context.Background(), r.js, r.stream, r.cons)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cons.Fetch(1, jetstreamMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for range b.Messages() {
		got++ // fetched, never acked
	}
	if got != 1 {
		t.Fatalf("fetched %d, want 1", got)
	}

	in := r.start(r.rdb, nil)
	// The same event republished under another msg id (a spool replay
	// after the dedupe window).
	r.publish(e2)
	r.publishRaw(event.Subject(e2), "replay-"+e2.ID, mustJSON(t, e2))
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(counter(in.m.Duplicates) != 2, "duplicates = %v", counter(in.m.Duplicates))
	})
	if n := r.stored(in.store, "cam-d"); n != 2 {
		t.Errorf("stored %d events, want 2", n)
	}
	if n := counter(in.m.Events.WithLabelValues("stats")); n != 1 {
		t.Errorf("events_total{stats} = %v, want 1", n)
	}
}

func TestIngestSharedConsumer(t *testing.T) {
	r := newRig(t)
	a := r.start(r.rdb, nil)
	b := r.start(r.rdb, nil)
	const n = 2000
	base := time.Now().Add(-time.Hour)
	for i := uint64(1); i <= n; i++ {
		r.publish(mk(event.KindStats, "cam-s", i, base))
	}
	total := func() float64 {
		return counter(a.m.Events.WithLabelValues("stats")) + counter(b.m.Events.WithLabelValues("stats"))
	}
	testenv.Eventually(t, 20*time.Second, func() error {
		return errIf(total() != n, "stored %v of %d", total(), n)
	})
	if got := r.stored(a.store, "cam-s"); got != n {
		t.Errorf("redis holds %d events, want %d", got, n)
	}
	if d := counter(a.m.Duplicates) + counter(b.m.Duplicates); d != 0 {
		t.Errorf("duplicates = %v; JetStream should hand each message to one replica", d)
	}
	c, err := a.store.Camera(context.Background(), event.CameraRef{Site: "q1", Camera: "cam-s"})
	if err != nil || c.LastSeq != n {
		t.Errorf("camera = %+v, %v; want last seq %d", c, err, n)
	}
}

func TestIngestSurvivesRedisOutage(t *testing.T) {
	r := newRig(t)
	opt, err := redis.ParseURL(testenv.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, opt.Addr)
	opt.Addr = p.addr
	opt.MaxRetries = -1
	opt.DialTimeout = 200 * time.Millisecond
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	in := r.start(rdb, nil)

	base := time.Now().Add(-time.Hour)
	for i := uint64(1); i <= 100; i++ {
		r.publish(mk(event.KindStats, "cam-o", i, base))
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-o") != 100, "stored %d", r.stored(in.store, "cam-o"))
	})
	p.down()
	for i := uint64(101); i <= 300; i++ {
		r.publish(mk(event.KindStats, "cam-o", i, base))
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(counter(in.m.RedisErrors) == 0, "no redis error seen yet")
	})
	time.Sleep(300 * time.Millisecond) // let a few retries fail against the closed port
	p.up()
	check := camstate.New(r.rdb, camstate.Options{Prefix: r.prefix})
	testenv.Eventually(t, 20*time.Second, func() error {
		return errIf(r.stored(check, "cam-o") != 300, "stored %d of 300", r.stored(check, "cam-o"))
	})
	if n := len(r.deadLetters()); n != 0 {
		t.Errorf("%d messages dead-lettered during a short outage", n)
	}
}

func TestIngestDeadLettersAfterMaxDeliver(t *testing.T) {
	r := newRig(t)
	// A Redis that answers PING but refuses this camera's writes: its
	// dedupe key has the wrong type.
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if err := m.Set(r.prefix+":{c:q1/cam-x}", "not a hash"); err != nil {
		t.Fatal(err)
	}
	r.cons.MaxDeliver = 3
	in := r.start(rdb, func(o *IngesterOptions) { o.RetryDelay = 10 * time.Millisecond })
	base := time.Now().Add(-time.Minute)
	r.publish(mk(event.KindStats, "cam-x", 1, base))
	r.publish(mk(event.KindStats, "cam-y", 1, base))
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(len(r.deadLetters()) != 1, "%d dead letters", len(r.deadLetters()))
	})
	dl := r.deadLetters()[0]
	if dl.Subject != event.DeadLetter(ReasonMaxDeliver) || dl.Header.Get(HeaderSubject) != "camwatch.events.q1.edge-1.cam-x.stats" {
		t.Errorf("dead letter %s %v", dl.Subject, dl.Header)
	}
	if n := counter(in.m.RedisErrors); n != 3 {
		t.Errorf("redis errors = %v, want 3 (one per delivery)", n)
	}
	if n := r.stored(in.store, "cam-y"); n != 1 {
		t.Errorf("cam-y stored %d, want 1", n)
	}
}

// TestIngestWorkers checks that loops sharing the consumer inside one
// process may store a camera's events out of order without the state
// ever going back: each camera ends at its newest seq, each event once.
func TestIngestWorkers(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			r := newRig(t)
			r.cons.Batch = 16 // many small batches: more chances to interleave
			evs := realisticEvents(2000, time.Now().Add(-time.Hour))
			newest := map[string]uint64{}
			stored := map[string]int{}
			for _, e := range evs {
				r.publish(e)
				if e.Camera != "" && e.Kind != event.KindHeartbeat {
					newest[e.Ref().String()] = max(newest[e.Ref().String()], e.Seq)
					stored[e.Ref().String()]++
				}
			}
			in := r.start(r.rdb, func(o *IngesterOptions) { o.Workers = workers })
			total := func() float64 {
				n := 0.0
				for _, k := range event.Kinds {
					n += counter(in.m.Events.WithLabelValues(string(k)))
				}
				return n
			}
			testenv.Eventually(t, 30*time.Second, func() error {
				return errIf(total() != float64(len(evs)), "stored %v of %d", total(), len(evs))
			})
			if d := counter(in.m.Duplicates); d != 0 {
				t.Errorf("duplicates = %v", d)
			}
			cams, err := in.store.Cameras(context.Background())
			if err != nil || len(cams) != len(newest) {
				t.Fatalf("cameras = %d, %v; want %d", len(cams), err, len(newest))
			}
			for _, c := range cams {
				if c.LastSeq != newest[c.Ref.String()] {
					t.Errorf("%s: last seq %d, want %d", c.Ref, c.LastSeq, newest[c.Ref.String()])
				}
			}
			for _, cam := range []string{"q1/cam-000", "q3/cam-199"} {
				if n := r.stored(in.store, cam); n != stored[cam] {
					t.Errorf("%s holds %d events, want %d", cam, n, stored[cam])
				}
			}
		})
	}
}

// TestIngestStoresTheJSONAsSent checks that an event sent as indented
// JSON reads back as the same event.
func TestIngestStoresTheJSONAsSent(t *testing.T) {
	r := newRig(t)
	in := r.start(r.rdb, nil)
	e := mk(event.KindMotionStart, "cam-j", 1, time.Now().Add(-time.Minute))
	sent, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	r.publishRaw(event.Subject(e), e.ID, sent)
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-j") != 1, "not stored yet")
	})
	ctx := context.Background()
	got, err := Timeline{Store: in.store, Log: &Log{JS: r.js, Stream: r.stream}}.Events(ctx, event.CameraRef{Site: "q1", Camera: "cam-j"}, time.Unix(0, 0), time.Now(), nil, 10)
	if err != nil || len(got) != 1 || got[0].ID != e.ID || got[0].Motion == nil || got[0].Motion.Score != e.Motion.Score {
		t.Errorf("events = %+v, %v", got, err)
	}
}

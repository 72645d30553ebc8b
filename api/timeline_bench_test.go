package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/ingest"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// cityDay writes n cameras' 24 hours into the store, as agents send them:
// stats every 30 s, a motion start and end every 10 min (each start with
// a snapshot reference), and an outage of 4 minutes every 6 hours.
func cityDay(tb testing.TB, st *camstate.Store, js jetstream.JetStream, n int, end time.Time) []string {
	tb.Helper()
	ctx := context.Background()
	start := end.Add(-24 * time.Hour)
	var cams []string
	var batch []*event.Event
	flush := func() {
		if len(batch) == 0 {
			return
		}
		for _, e := range batch {
			data, _ := event.Marshal(e)
			if _, err := js.PublishAsync(event.Subject(e), data); err != nil {
				tb.Fatal(err)
			}
		}
		<-js.PublishAsyncComplete()
		res, err := st.Apply(ctx, batch)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				tb.Fatal(r.Err)
			}
		}
		batch = batch[:0]
	}
	for c := range n {
		cam := fmt.Sprintf("cam-%03d", c)
		cams = append(cams, cam)
		lab := event.Labels{Program: "bench", Ward: "ben-nghe", Location: "Hẻm " + cam}
		seq := uint64(0)
		add := func(kind event.Kind, at time.Time, f func(*event.Event)) {
			seq++
			e := &event.Event{Schema: 1, ID: event.NewID(), Kind: kind, Site: "q1", Agent: "edge-bench", Camera: cam, Labels: lab, Time: at, Seq: seq}
			f(e)
			batch = append(batch, e)
			if len(batch) == 1000 {
				flush()
			}
		}
		online := func(st event.Status, at time.Time, r event.Reason) func(*event.Event) {
			return func(e *event.Event) {
				e.Health = &event.Health{Status: st, Reason: r, Since: at, FPS: 15, BitrateKbps: 500, LastFrameAgeMS: 40}
			}
		}
		add(event.KindHealth, start, online(event.StatusOnline, start, ""))
		for t := start.Add(time.Second); t.Before(end); t = t.Add(30 * time.Second) {
			off := t.Sub(start) % (6 * time.Hour)
			switch {
			case off >= 3*time.Hour && off < 3*time.Hour+30*time.Second:
				add(event.KindHealth, t, online(event.StatusOffline, t, event.ReasonRefused))
			case off >= 3*time.Hour+4*time.Minute && off < 3*time.Hour+4*time.Minute+30*time.Second:
				add(event.KindHealth, t, online(event.StatusOnline, t, ""))
			default:
				add(event.KindStats, t, online(event.StatusOnline, t, ""))
			}
			if t.Sub(start)%(10*time.Minute) < 30*time.Second {
				at := t.Add(5 * time.Second)
				add(event.KindMotionStart, at, func(e *event.Event) {
					e.Motion = &event.Motion{Detector: "pixel", Score: 0.4, Started: at}
					e.Snapshot = &event.Snapshot{ID: e.ID, Bytes: 20000, SHA256: fmt.Sprintf("%064x", seq)}
				})
				add(event.KindMotionEnd, at.Add(20*time.Second), func(e *event.Event) {
					e.Motion = &event.Motion{Detector: "pixel", Score: 0.1, Started: at, DurationS: 20}
				})
			}
		}
	}
	flush()
	return cams
}

// cityAPI is the API (checks off) over cityDay's 50 cameras × 24 h up to
// end, in a real Redis and the events stream of an embedded NATS.
func cityAPI(tb testing.TB) (http.Handler, []string, time.Time) {
	tb.Helper()
	rdb, prefix := testenv.Redis(tb)
	st := camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: 72 * time.Hour})
	end := time.Now().Truncate(time.Minute)
	nc, err := nats.Connect(testenv.NATS(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	const stream = "CAMWATCH_BENCH_TIMELINE"
	if err := ingest.EnsureStreams(context.Background(), js, ingest.StreamOptions{Name: stream, MaxAge: 48 * time.Hour, Duplicates: time.Minute}); err != nil {
		tb.Fatal(err)
	}
	cams := cityDay(tb, st, js, 50, end)
	src := uptime.NewSource(st, uptime.SourceOptions{})
	return New(Options{Store: ingest.Timeline{Store: st, Log: &ingest.Log{JS: js, Stream: stream}}, noChecks: true,
		Uptime:         &Uptime{Source: src},
		Investigations: &Investigations{Events: &evidence.Reader{JS: js, Stream: stream, Stored: st}, History: src, Clips: st}}), cams, end
}

// BenchmarkTimeline measures GET /api/v1/timeline for 50 cameras x 24 h
// (about 160,000 events in the events stream of an embedded NATS, 14,400
// of them motion and the outages; the stats are what the stream read
// skips by subject) with a real Redis, with its
// peer in the same run interleaved: what the console did before, one
// per-camera events query (motion and health, which reads the stats too)
// for each of the 50 cameras. Checks are off on both (the access
// overhead is BenchmarkAccessOverhead's). Reports p50 and p99.
//
//	go test ./api -run '^$' -bench Timeline -benchtime 200x
func BenchmarkTimeline(b *testing.B) {
	h, cams, end := cityAPI(b)
	from := end.Add(-24 * time.Hour).UTC().Format(time.RFC3339)
	tl := "/api/v1/timeline?program=bench&from=" + from + "&to=" + end.UTC().Format(time.RFC3339)
	do := func(path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	do(tl)
	var timeline, peer []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		do(tl)
		timeline = append(timeline, time.Since(t0))
		t0 = time.Now()
		for _, c := range cams {
			do("/api/v1/cameras/" + c + "/events?kind=motion.start,motion.end,health&limit=10000&from=" + url.QueryEscape(from))
		}
		peer = append(peer, time.Since(t0))
	}
	b.StopTimer()
	p := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[int(float64(len(d)-1)*q)].Microseconds()) / 1000
	}
	b.ReportMetric(p(timeline, .5), "p50-ms")
	b.ReportMetric(p(timeline, .99), "p99-ms")
	b.ReportMetric(p(peer, .5), "peer-p50-ms")
	b.ReportMetric(p(peer, .99), "peer-p99-ms")
	b.ReportMetric(p(timeline, .5)/p(peer, .5), "ratio-p50")
}

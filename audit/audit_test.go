package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

func js(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	j, _ := jetstream.New(nc)
	return j
}

func open(t *testing.T, j jetstream.JetStream, o Options) *Log {
	t.Helper()
	o.Registerer = prometheus.NewRegistry()
	l, err := Open(context.Background(), j, o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func rec(actor, action string, objects ...string) Record {
	return Record{Actor: Actor{Kind: "user", Name: actor, Role: "operator"}, Action: action, Objects: objects, Result: OK, Addr: "10.0.0.1"}
}

// TestChainFromConcurrentWriters: two writers (two aggregator replicas, or
// a replica and the command line) appending at once still make one
// unbroken chain, and the stream refuses deletes and purges.
func TestChainFromConcurrentWriters(t *testing.T) {
	url := testenv.NATS(t)
	j := js(t, url)
	a, b := open(t, j, Options{}), open(t, js(t, url), Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, l := range []*Log{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				if _, err := l.Append(ctx, rec(fmt.Sprint("u", i), "alert.ack", fmt.Sprint("alert:", k))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	rep, err := Verify(ctx, j, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 100 || rep.Broken != nil {
		t.Fatalf("report %+v broken %+v", rep, rep.Broken)
	}
	st, _ := j.Stream(ctx, DefaultStream)
	if err := st.DeleteMsg(ctx, 3); err == nil {
		t.Error("a record was deleted")
	}
	if err := st.Purge(ctx); err == nil {
		t.Error("the stream was purged")
	}
	if rep, _ := Verify(ctx, j, ""); rep.Records != 100 || rep.Broken != nil {
		t.Errorf("after the refused delete: %+v", rep)
	}
}

// TestVerifyFindsTheFirstBrokenLink plants records in a stream without
// the deny flags (as someone with the server's disk could) and checks
// what Verify reports.
func TestVerifyFindsTheFirstBrokenLink(t *testing.T) {
	j := js(t, testenv.NATS(t))
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		edit   func(i int, r *Record) // before storing record i (1-based)
		broken uint64
		reason string
	}{
		{"intact", func(int, *Record) {}, 0, ""},
		{"a record rewritten", func(i int, r *Record) {
			if i == 4 {
				r.Actor.Name = "someone-else" // the record after it no longer links
			}
		}, 5, "prev"},
		{"a forged first link", func(i int, r *Record) {
			if i == 1 {
				r.Prev = strings.Repeat("0", 64)
			}
		}, 1, "first record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "AUDIT_" + strings.ToUpper(strings.ReplaceAll(tc.name, " ", "_"))
			if _, err := j.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"t." + strings.ToLower(name)}}); err != nil {
				t.Fatal(err)
			}
			prev := ""
			for i := 1; i <= 6; i++ {
				r := rec("lan", "alert.ack", fmt.Sprint("alert:", i))
				r.Time, r.Prev = time.Now().UTC(), prev
				honest, _ := json.Marshal(&r)
				tc.edit(i, &r)
				data, _ := json.Marshal(&r)
				if _, err := j.Publish(ctx, "t."+strings.ToLower(name), data); err != nil {
					t.Fatal(err)
				}
				prev = Hash(honest) // the chain as the honest writer made it
			}
			rep, err := Verify(ctx, j, name)
			if err != nil {
				t.Fatal(err)
			}
			if tc.broken == 0 {
				if rep.Broken != nil || rep.Records != 6 {
					t.Fatalf("intact chain reported %+v %+v", rep, rep.Broken)
				}
				return
			}
			if rep.Broken == nil || rep.Broken.Seq != tc.broken || !strings.Contains(rep.Broken.Reason, tc.reason) {
				t.Fatalf("broken = %+v, want seq %d (%s)", rep.Broken, tc.broken, tc.reason)
			}
		})
	}
}

// TestIndexAndQuery: records are queryable at once, by actor, action
// prefix and object; after the index is lost, Run rebuilds it from the
// stream, including records another writer (the command line, without
// Redis) appended.
func TestIndexAndQuery(t *testing.T) {
	url := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	j := js(t, url)
	l := open(t, j, Options{Redis: rdb, Prefix: prefix})
	cli := open(t, js(t, url), Options{})
	ctx := context.Background()
	for _, r := range []Record{rec("lan", "alert.ack", "alert:k1", "camera:c1"), rec("minh", "alert.resolve", "alert:k1"),
		rec("lan", "snapshot.view", "camera:c2")} {
		if _, err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.Append(ctx, Record{Actor: Actor{Kind: "cli", Name: "root@host"}, Action: "user.add", Objects: []string{"user:lan"}, Result: Allowed}); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T) {
		t.Helper()
		for _, tc := range []struct {
			name string
			q    Query
			want []string
		}{
			{"everything, newest first", Query{}, []string{"user.add", "snapshot.view", "alert.resolve", "alert.ack"}},
			{"one user", Query{Actor: "lan"}, []string{"snapshot.view", "alert.ack"}},
			{"the command line", Query{Actor: "cli:root@host"}, []string{"user.add"}},
			{"action prefix", Query{Action: "alert."}, []string{"alert.resolve", "alert.ack"}},
			{"object", Query{Object: "alert:k1"}, []string{"alert.resolve", "alert.ack"}},
			{"limit", Query{Limit: 1}, []string{"user.add"}},
		} {
			var got []string
			testenv.Eventually(t, 5*time.Second, func() error {
				recs, err := l.Query(ctx, tc.q)
				if err != nil {
					return err
				}
				got = got[:0]
				for _, r := range recs {
					got = append(got, r.Action)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					return fmt.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				}
				return nil
			})
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(rctx) }()
	check(t)
	cancel()
	<-done
	// Redis loses the index; a restarted follower rebuilds it.
	iter := rdb.Scan(ctx, 0, prefix+":audit:*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	rctx, cancel = context.WithCancel(ctx)
	defer cancel()
	go func() { _ = l.Run(rctx) }()
	check(t)
}

// BenchmarkAppend is the audit append a state change or sensitive read
// waits for (JetStream publish with the expected last sequence, plus the
// Redis index), with p50 and p99:
//
//	go test ./audit -run XXX -bench Append -benchtime 3000x
func BenchmarkAppend(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	nc, err := nats.Connect(testenv.NATS(b))
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	j, _ := jetstream.New(nc)
	l, err := Open(context.Background(), j, Options{Redis: rdb, Prefix: prefix, Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := l.Append(context.Background(), rec("lan", "alert.ack", "alert:k", "camera:c")); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}

package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

const eventsStream = "TEST_EVENTS"

// cluster is one NATS and one Redis prefix shared by several replicas.
type cluster struct {
	t      *testing.T
	nc     *nats.Conn
	js     jetstream.JetStream
	rdb    *redis.Client
	prefix string
	seq    map[string]uint64
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: eventsStream,
		Subjects: []string{event.AllEventsSubjects, event.AllAgentsSubjects}}); err != nil {
		t.Fatal(err)
	}
	if err := EnsureStream(ctx, js, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	return &cluster{t: t, nc: nc, js: js, rdb: rdb, prefix: prefix, seq: map[string]uint64{}}
}

// replica starts a runner; stop cancels it (releasing the lease unless
// crash is set, as a killed process would not).
func (c *cluster) replica(name string, crash bool) (r *Runner, stop func()) {
	c.t.Helper()
	rules, err := LoadFile("testdata/runner.yaml")
	if err != nil {
		c.t.Fatal(err)
	}
	r, err = NewRunner(RunnerOptions{NATS: c.nc, JS: c.js, Redis: c.rdb, Prefix: c.prefix,
		Rules: NewSet(rules), RulesPath: "testdata/runner.yaml", EventsStream: eventsStream,
		Tick: 50 * time.Millisecond, LeaseTTL: 600 * time.Millisecond, ID: name,
		Registerer: prometheus.NewRegistry()})
	if err != nil {
		c.t.Fatal(err)
	}
	r.noRelease = crash
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.Run(ctx); err != nil {
			c.t.Errorf("runner %s: %v", name, err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	c.t.Cleanup(stop)
	return r, stop
}

// health publishes a health event of cam as its edge agent would.
func (c *cluster) health(cam string, st event.Status) {
	c.t.Helper()
	c.seq[cam]++
	e := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHealth, Site: "q1",
		Agent: "edge-1", Camera: cam, Time: time.Now(), Seq: c.seq[cam],
		Labels: event.Labels{Program: "ben-nghe-street-cameras"},
		Health: &event.Health{Status: st, Since: time.Now(), LastFrameAgeMS: -1}}
	if st == event.StatusOffline {
		e.Health.Reason = event.ReasonRefused
	}
	data, err := event.Marshal(e)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.js.Publish(context.Background(), event.Subject(e), data); err != nil {
		c.t.Fatal(err)
	}
}

// stored returns every transition in the alerts stream as "kind camera".
func (c *cluster) stored() []string {
	c.t.Helper()
	ctx := context.Background()
	s, err := c.js.Stream(ctx, StreamName)
	if err != nil {
		c.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	out := []string{}
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			c.t.Fatal(err)
		}
		var tr Transition
		if err := json.Unmarshal(m.Data, &tr); err != nil {
			c.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s", tr.Kind, tr.Alert.Camera))
	}
	return out
}

// waitStored waits until the alerts stream holds exactly want.
func (c *cluster) waitStored(want ...string) {
	c.t.Helper()
	testenv.Eventually(c.t, 10*time.Second, func() error {
		if got := c.stored(); !slices.Equal(got, want) {
			return fmt.Errorf("alerts stream holds %q, want %q", got, want)
		}
		return nil
	})
	// Nothing more arrives: a doubled transition would show up by now.
	time.Sleep(300 * time.Millisecond)
	if got := c.stored(); !slices.Equal(got, want) {
		c.t.Fatalf("alerts stream holds %q, want %q", got, want)
	}
}

func (c *cluster) open(r *Runner) []string {
	c.t.Helper()
	open, err := r.Store().Open(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	out := []string{}
	for _, a := range open {
		out = append(out, a.Key)
	}
	return out
}

func TestTwoReplicasRaiseEachTransitionOnce(t *testing.T) {
	c := newCluster(t)
	a, _ := c.replica("a", false)
	b, _ := c.replica("b", false)
	c.health("cam-1", event.StatusOnline)
	c.health("cam-1", event.StatusOffline)
	c.waitStored("firing cam-1")
	if a.Leading() == b.Leading() {
		t.Fatalf("leading: a=%v b=%v, want exactly one", a.Leading(), b.Leading())
	}
	if got := c.open(b); !slices.Equal(got, []string{CameraKey("cam-offline", "q1", "cam-1")}) {
		t.Fatalf("open alerts %q", got)
	}
	c.health("cam-1", event.StatusOnline)
	c.waitStored("firing cam-1", "resolved cam-1")
	if got := c.open(a); len(got) != 0 {
		t.Fatalf("open alerts after resolution %q", got)
	}
	hist, err := a.Store().History(context.Background(), time.Now().Add(-time.Minute), time.Now())
	if err != nil || len(hist) != 2 {
		t.Fatalf("history %v, %v; want 2 transitions", hist, err)
	}
}

func TestTakeoverAfterCrashLosesAndDoublesNothing(t *testing.T) {
	c := newCluster(t)
	a, crashA := c.replica("a", true)
	c.health("cam-1", event.StatusOffline)
	c.waitStored("firing cam-1")
	if !a.Leading() {
		t.Fatal("the only replica does not lead")
	}
	b, _ := c.replica("b", false)
	crashA() // no release: b must wait for the lease to expire
	// Events keep coming while nobody leads.
	c.health("cam-1", event.StatusOnline)
	c.health("cam-2", event.StatusOffline)
	testenv.Eventually(t, 5*time.Second, func() error {
		if !b.Leading() {
			return fmt.Errorf("b does not lead")
		}
		return nil
	})
	c.waitStored("firing cam-1", "resolved cam-1", "firing cam-2")
	if got := c.open(b); !slices.Equal(got, []string{CameraKey("cam-offline", "q1", "cam-2")}) {
		t.Fatalf("open alerts %q", got)
	}
}

func TestOutboxOfACrashedLeaderIsPublishedOnce(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	// A leader wrote a firing but crashed before publishing it.
	lease := NewLease(c.rdb, c.prefix, "dead", time.Minute)
	if ok, err := lease.Hold(ctx); !ok || err != nil {
		t.Fatalf("hold: %v %v", ok, err)
	}
	eng := NewEngine(NewSet(nil), Options{})
	st, _ := eng.stateJSON()
	tr := Transition{ID: "x@1/firing", Kind: TransitionFiring, At: time.Now(),
		Alert: Alert{ID: "x@1", Key: "x", Rule: "cam-offline", Site: "q1", Camera: "cam-9", State: StateFiring}}
	if err := NewStore(c.rdb, c.prefix, 0).Write(ctx, "dead", 0, st, []Transition{tr}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Publish it once already, as if the crash came after the publish.
	if _, err := c.js.Publish(ctx, Subject(&tr), mustJSON(t, tr), jetstream.WithMsgID(tr.ID)); err != nil {
		t.Fatal(err)
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
	r, _ := c.replica("b", false)
	testenv.Eventually(t, 5*time.Second, func() error {
		out, err := r.Store().Outbox(ctx)
		if err != nil || len(out) != 0 || !r.Leading() {
			return fmt.Errorf("outbox %d, %v, leading %v", len(out), err, r.Leading())
		}
		return nil
	})
	c.waitStored("firing cam-9")
}

func TestStaleLeaderCannotWrite(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	st := NewStore(c.rdb, c.prefix, 0)
	tests := []struct {
		name, holder, writer string
		wantErr              bool
	}{
		{"holder writes", "a", "a", false},
		{"other replica refused", "a", "b", true},
		{"nobody holds", "", "a", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.rdb.Del(ctx, c.prefix+":{alerts}:lease")
			if tc.holder != "" {
				if ok, err := NewLease(c.rdb, c.prefix, tc.holder, time.Minute).Hold(ctx); !ok || err != nil {
					t.Fatalf("hold: %v %v", ok, err)
				}
			}
			err := st.Write(ctx, tc.writer, 1, json.RawMessage(`{}`), nil, time.Now())
			if got := err != nil; got != tc.wantErr {
				t.Fatalf("write err %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr && !errors.Is(err, ErrLeaseLost) {
				t.Fatalf("err %v does not wrap ErrLeaseLost", err)
			}
		})
	}
}

func TestFeedResumesAfterLastEventID(t *testing.T) {
	c := newCluster(t)
	r, _ := c.replica("a", false)
	c.health("cam-1", event.StatusOffline)
	c.health("cam-2", event.StatusOffline)
	c.waitStored("firing cam-1", "firing cam-2")
	c.health("cam-1", event.StatusOnline)
	c.waitStored("firing cam-1", "firing cam-2", "resolved cam-1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feed, err := r.Subscribe(ctx, 1) // saw seq 1, missed 2 and 3
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for len(got) < 2 {
		select {
		case it := <-feed:
			got = append(got, it.Seq)
		case <-time.After(5 * time.Second):
			t.Fatalf("feed gave %v", got)
		}
	}
	if !slices.Equal(got, []uint64{2, 3}) {
		t.Fatalf("resumed feed gave seqs %v, want [2 3]", got)
	}
	r.Close()
	select {
	case _, ok := <-feed:
		if ok {
			t.Fatal("feed gave more after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("feed not closed by Close")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

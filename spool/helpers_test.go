package spool

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// fixture loads an event template from testdata (no id, no seq).
func fixture(t testing.TB, name string) event.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return ev
}

// cameraEvent is a health event of camera cam.
func cameraEvent(t testing.TB, cam string) *event.Event {
	ev := fixture(t, "health.json")
	ev.Camera = cam
	return &ev
}

// open opens a spool in dir with a fresh registry and a captured log.
func open(t testing.TB, dir string, opts Options) (*Spool, *prometheus.Registry, *testenv.LogBuffer) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &testenv.LogBuffer{}
	opts.Registerer = reg
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sp, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp, reg, logs
}

// connect dials url, retrying while the server is not up yet.
func connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1),
		nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("connect nats: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

const streamName = "EVENTS"

func createStream(t testing.TB, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     streamName,
		Subjects: []string{event.AllEventsSubjects, event.AllAgentsSubjects},
	})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	return st
}

// stored is one message read back from the stream.
type stored struct {
	subject string
	msgID   string
	ev      *event.Event
}

// streamContents reads every message of the stream in stream order.
func streamContents(t testing.TB, js jetstream.JetStream) []stored {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, streamName)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []stored
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get msg %d: %v", seq, err)
		}
		ev, err := event.Decode(m.Data)
		if err != nil {
			t.Fatalf("stored msg %d does not decode: %v", seq, err)
		}
		out = append(out, stored{subject: m.Subject, msgID: m.Header.Get(jetstream.MsgIDHeader), ev: ev})
	}
	return out
}

// streamCount is how many messages the stream holds.
func streamCount(js jetstream.JetStream) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, streamName)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// waitStream waits until the stream holds want messages.
func waitStream(t testing.TB, js jetstream.JetStream, want uint64, timeout time.Duration) {
	t.Helper()
	testenv.Eventually(t, timeout, func() error {
		n, err := streamCount(js)
		if err != nil {
			return err
		}
		if n != want {
			return fmt.Errorf("stream holds %d messages, want %d", n, want)
		}
		return nil
	})
}

// forward runs Forward in the background until the test ends or stop is
// called; stop returns Forward's result.
func forward(t testing.TB, sp *Spool, js jetstream.JetStream, opts ForwardOptions) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- Forward(ctx, sp, js, opts) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-res })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// checkDelivered asserts that the stream holds exactly the events with
// the ids in want, once each, with Nats-Msg-Id set, on their subjects,
// and that every sequence key's seqs are 1..n in stream order.
func checkDelivered(t testing.TB, got []stored, want map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	last := map[string]uint64{}
	for i, m := range got {
		if m.msgID != m.ev.ID {
			t.Errorf("msg %d: Nats-Msg-Id %q, event id %q", i, m.msgID, m.ev.ID)
		}
		if err := event.CheckSubject(m.ev, m.subject); err != nil {
			t.Errorf("msg %d: %v", i, err)
		}
		if seen[m.ev.ID] {
			t.Errorf("msg %d: id %s stored twice", i, m.ev.ID)
		}
		seen[m.ev.ID] = true
		if !want[m.ev.ID] {
			t.Errorf("msg %d: id %s was never accepted", i, m.ev.ID)
		}
		key := seqKey(m.ev.Kind, m.ev.Camera, m.ev.Agent)
		if m.ev.Seq != last[key]+1 {
			t.Errorf("msg %d: %s seq %d after %d", i, key, m.ev.Seq, last[key])
		}
		last[key] = m.ev.Seq
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("accepted id %s missing from the stream", id)
		}
	}
}

// metricValue sums the samples of family name in reg whose labels include
// every label=value pair given in labels.
func metricValue(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	sum, found := 0.0, false
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		found = true
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				match := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						match = true
					}
				}
				if !match {
					continue next
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	if !found {
		t.Fatalf("metric %s not registered", name)
	}
	return sum
}

package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
)

// rig is one embedded NATS with the camwatch streams and a Redis prefix.
type rig struct {
	t      testing.TB
	nc     *nats.Conn
	js     jetstream.JetStream
	rdb    *redis.Client
	prefix string
	stream string
	cons   ConsumerOptions
}

func newRig(t testing.TB) *rig {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return newRigOn(t, nc)
}

// newRigOn is newRig on a connection of the caller's (e.g. with the
// aggregator's credentials).
func newRigOn(t testing.TB, nc *nats.Conn) *rig {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	r := &rig{t: t, nc: nc, js: js, rdb: rdb, prefix: prefix, stream: "CAMWATCH_TEST",
		cons: ConsumerOptions{Durable: "aggregator", Batch: 64, AckWait: 2 * time.Second, MaxDeliver: 20}}
	ctx := context.Background()
	if err := EnsureStreams(ctx, js, StreamOptions{Name: r.stream, MaxAge: time.Hour, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	// Twice: creating the streams is idempotent.
	if err := EnsureStreams(ctx, js, StreamOptions{Name: r.stream, MaxAge: time.Hour, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatalf("second EnsureStreams: %v", err)
	}
	return r
}

// ingester is a running Ingester with its own metrics.
type ingester struct {
	m      *Metrics
	store  *camstate.Store
	cancel context.CancelFunc
	done   chan error
}

func (r *rig) start(rdb redis.UniversalClient, mod func(*IngesterOptions)) *ingester {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cons, err := EnsureConsumer(ctx, r.js, r.stream, r.cons)
	if err != nil {
		r.t.Fatal(err)
	}
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		r.t.Fatal(err)
	}
	store := camstate.New(rdb, camstate.Options{Prefix: r.prefix})
	o := IngesterOptions{Consumer: cons, JS: r.js, Store: store, Metrics: m, Batch: r.cons.Batch,
		MaxDeliver: r.cons.MaxDeliver, RetryDelay: 50 * time.Millisecond}
	if mod != nil {
		mod(&o)
	}
	in := &ingester{m: m, store: store, cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- NewIngester(o).Run(ctx) }()
	r.t.Cleanup(in.stop)
	return in
}

func (in *ingester) stop() {
	in.cancel()
	<-in.done
	in.done <- nil // a second stop returns at once
}

// publish sends e as an edge agent does: on its subject, msg id = event id.
func (r *rig) publish(e *event.Event) {
	r.t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		r.t.Fatal(err)
	}
	r.publishRaw(event.Subject(e), e.ID, data)
}

func (r *rig) publishRaw(subject, msgID string, data []byte) {
	r.t.Helper()
	m := nats.NewMsg(subject)
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := r.js.PublishMsg(context.Background(), m); err != nil {
		r.t.Fatalf("publish %s: %v", subject, err)
	}
}

// stored counts the events Redis holds for camera (stored events and
// rolled-up stats samples, as the sequence audit counts them): a
// "<site>/<camera>", or a camera id at q1.
func (r *rig) stored(store *camstate.Store, camera string) int {
	ref, err := event.ParseCameraRef(camera)
	if err != nil {
		ref = event.CameraRef{Site: "q1", Camera: camera}
	}
	seqs, err := store.CameraSeqs(context.Background(), ref)
	if err != nil {
		return -1
	}
	return len(seqs)
}

// deadLetters reads every message of the dead-letter stream.
func (r *rig) deadLetters() []jetstream.RawStreamMsg {
	r.t.Helper()
	ctx := context.Background()
	s, err := r.js.Stream(ctx, DeadLetterStream(r.stream))
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		out = append(out, *m)
	}
	return out
}

func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// proxy is a TCP forwarder to Redis that a test can cut and restore, to
// play an outage without disturbing the shared Redis server.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
}

// down refuses new connections and cuts the open ones.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens again on the same address.
func (p *proxy) up() {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy up: %v", err)
	}
	p.serve(ln)
}

func errIf(cond bool, format string, a ...any) error {
	if cond {
		return fmt.Errorf(format, a...)
	}
	return nil
}

func jetstreamMaxWait(d time.Duration) jetstream.FetchOpt { return jetstream.FetchMaxWait(d) }

func mustJSON(t *testing.T, e *event.Event) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

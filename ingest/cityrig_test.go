package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// cityRig is a simulated city's NATS (one server or a cluster, with the
// city's agents' credentials) and a Redis of any kind, with ingesters
// that run as aggregators do: each on a connection of its own with the
// aggregator's credentials, sharing one durable consumer.
type cityRig struct {
	t      *testing.T
	city   *citysim.City
	nats   *testenv.NATSEnv
	url    string // every member's URL
	rdb    redis.UniversalClient
	stream string
	now    func() time.Time
}

// cityAgents are the NATS agents of city, for the test authorization.
func cityAgents(city *citysim.City) []natsauth.Agent {
	var out []natsauth.Agent
	for _, a := range city.Agents() {
		out = append(out, natsauth.Agent{Site: city.Site(), Agent: a})
	}
	return out
}

func newCityRig(t *testing.T, city *citysim.City, n *testenv.NATSEnv, rdb redis.UniversalClient, replicas int, now time.Time) *cityRig {
	t.Helper()
	r := &cityRig{t: t, city: city, nats: n, url: n.URL, rdb: rdb, stream: "CAMWATCH_CITY", now: func() time.Time { return now }}
	js, err := jetstream.New(r.conn())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := EnsureStreams(ctx, js, StreamOptions{Name: r.stream, MaxAge: time.Hour, Duplicates: 2 * time.Minute, Replicas: replicas}); err != nil {
		t.Fatal(err)
	}
	return r
}

// conn is a connection with the aggregator's credentials that follows
// the cluster's members; it closes with the test.
func (r *cityRig) conn() *nats.Conn {
	r.t.Helper()
	opts, err := natsauth.ClientOptions(r.nats.Aggregator(), "")
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := nats.Connect(r.url, append(opts, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(c.Close)
	return c
}

// agent is agent's NATS settings with every member's URL.
func (r *cityRig) agent(agent string) configs.NATS {
	n := r.nats.Agent(r.t, r.city.Site(), agent)
	n.URL = r.url
	return n
}

// run starts an ingester on durable storing under o; stop ends it (also
// at the end of the test). Its metrics are returned for the test to read.
func (r *cityRig) run(durable string, o camstate.Options) (stop func(), m *Metrics) {
	r.t.Helper()
	js, err := jetstream.New(r.conn())
	if err != nil {
		r.t.Fatal(err)
	}
	cons := ConsumerOptions{Durable: durable, Batch: 64, AckWait: 3 * time.Second, MaxDeliver: 50}
	consumer, err := EnsureConsumer(context.Background(), js, r.stream, cons)
	if err != nil {
		r.t.Fatal(err)
	}
	m, err = NewMetrics(prometheus.NewRegistry())
	if err != nil {
		r.t.Fatal(err)
	}
	if o.Now == nil {
		o.Now = r.now
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	in := NewIngester(IngesterOptions{Consumer: consumer, JS: js, Store: camstate.New(r.rdb, o), Metrics: m,
		Batch: cons.Batch, MaxDeliver: cons.MaxDeliver, RetryDelay: 50 * time.Millisecond})
	go func() { done <- in.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	r.t.Cleanup(stop)
	return stop, m
}

// audit is the per-camera sequence audit: for every key of the ledger
// (citysim.Key: "agent/camera", or "agent" for heartbeats), Redis under
// prefix holds seq 1..last exactly once (an agent: its last seq).
func (r *cityRig) audit(ctx context.Context, prefix string, last map[string]uint64) error {
	s := camstate.New(r.rdb, camstate.Options{Prefix: prefix, Now: r.now})
	for key, n := range last {
		agent, camera, isCam := strings.Cut(key, "/")
		if !isCam {
			seq, err := s.AgentSeq(ctx, agent)
			if err != nil || seq != n {
				return fmt.Errorf("agent %s: seq %d (%v), accepted up to %d", agent, seq, err, n)
			}
			continue
		}
		evs, err := s.CameraSeqs(ctx, event.CameraRef{Site: r.city.Site(), Camera: camera})
		if err != nil {
			return err
		}
		seen := make(map[uint64]int, len(evs))
		for _, seq := range evs {
			seen[seq]++
		}
		for seq := uint64(1); seq <= n; seq++ {
			if seen[seq] != 1 {
				return fmt.Errorf("camera %s: seq %d stored %d times (accepted 1..%d, %d stored)", camera, seq, seen[seq], n, len(evs))
			}
		}
		if len(evs) != int(n) {
			return fmt.Errorf("camera %s: %d stored, accepted %d", camera, len(evs), n)
		}
	}
	return nil
}

// ledgerComplete fails the test unless JetStream acknowledged every
// event once: for each camera as many distinct events as its last seq.
func ledgerComplete(t *testing.T, last map[string]uint64, count map[string]int, keys int) {
	t.Helper()
	if len(last) != keys {
		t.Fatalf("accepted sequences of %d cameras and agents, want %d", len(last), keys)
	}
	for k, n := range last {
		if strings.Contains(k, "/") && count[k] != int(n) {
			t.Fatalf("%s: JetStream acknowledged %d events, last seq %d", k, count[k], n)
		}
	}
}

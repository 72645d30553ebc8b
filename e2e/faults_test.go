package e2e

import (
	"context"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/broker"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// faultCams are the cameras of the fault tests: two are enough to see
// per-camera sequences interleave, and cheap on two cores.
var faultCams = []camSpec{
	{"cam-static", "static-320x240"},
	{"cam-walk", "walk-320x240"},
}

// waitFlowing waits until every camera is online in the aggregator, so
// that events are moving end to end before a fault.
func (s *system) waitFlowing(t *testing.T, within time.Duration) {
	t.Helper()
	testenv.Eventually(t, within, func() error {
		cams, err := s.cameras()
		if err != nil {
			return err
		}
		for _, c := range s.cams {
			if cams[c.id].Status != "online" {
				return fmt.Errorf("camera %s: %+v", c.id, cams[c.id])
			}
		}
		return nil
	})
}

// storedCount is how many events of camera Redis holds.
func (s *system) storedCount(t *testing.T, camera string) int64 {
	t.Helper()
	opt, err := redis.ParseURL(s.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	seqs, err := camstate.New(rc, camstate.Options{Prefix: s.prefix}).CameraSeqs(context.Background(), event.CameraRef{Site: "e2e", Camera: camera})
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(seqs))
}

// waitMore waits until Redis holds at least n more events of every camera
// than it does now: the system has moved on since the last fault.
func (s *system) waitMore(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	base := map[string]int64{}
	for _, c := range s.cams {
		base[c.id] = s.storedCount(t, c.id)
	}
	testenv.Eventually(t, within, func() error {
		for _, c := range s.cams {
			if got := s.storedCount(t, c.id); got < base[c.id]+n {
				return fmt.Errorf("camera %s: %d events stored, waiting for %d", c.id, got, base[c.id]+n)
			}
		}
		return nil
	})
}

func TestFaultEdgeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	nb := startBroker(t)
	s := startSystemWith(t, setup{cameras: faultCams, nats: nb.env})
	s.waitFlowing(t, 20*time.Second)
	// Kills while events flow: the restarted edge must continue every
	// camera's seq from its spool, republish what JetStream had not
	// acknowledged, and repeat nothing.
	for i := range 2 {
		s.waitMore(t, 2, 20*time.Second)
		t.Logf("kill %d of the edge", i+1)
		s.restartEdge(syscall.SIGKILL)
	}
	s.waitMore(t, 2, 20*time.Second)

	// A kill with a backlog: NATS is down, so the spool holds accepted
	// events that only the next edge process can forward.
	nb.stop()
	var backlog int64
	testenv.Eventually(t, 10*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if backlog = h.Backlog; backlog < 4 {
			return fmt.Errorf("edge backlog %d with NATS down", h.Backlog)
		}
		return nil
	})
	t.Logf("kill 3 of the edge, with %d events in its spool", backlog)
	s.restartEdge(syscall.SIGKILL)
	// The new edge starts while NATS is still down, and spools on.
	testenv.Eventually(t, 10*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if h.Backlog <= backlog {
			return fmt.Errorf("restarted edge's backlog %d, want more than %d", h.Backlog, backlog)
		}
		return nil
	})
	nb.start()
	s.waitReady(20 * time.Second)
	s.waitMore(t, 3, 20*time.Second)
	s.stopEdgeDrained(t)
	s.proveExactlyOnce(t)
}

// natsBroker is an embedded NATS server that a test stops and restarts on
// the same port and store directory, as an operator restarts the real one.
type natsBroker struct {
	t    *testing.T
	dir  string
	port int
	srv  *broker.Embedded
	env  *testenv.NATSEnv
}

func startBroker(t *testing.T) *natsBroker {
	b := &natsBroker{t: t, dir: t.TempDir(), port: freePort(t)}
	b.start()
	// Registered before the system, so it stops after the processes.
	t.Cleanup(b.stop)
	return b
}

// start runs the broker with the system's authorization: the same keys
// on every restart, since they live in dir.
func (b *natsBroker) start() {
	b.env = testenv.NATSAuthAt(b.t, b.dir, b.port, natsauth.Agent{Site: "e2e", Agent: agentID})
	b.srv = b.env.Server
}

func (b *natsBroker) stop() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv = nil
	}
}

func TestFaultNATSOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	nb := startBroker(t)
	s := startSystemWith(t, setup{cameras: faultCams, nats: nb.env})
	s.waitFlowing(t, 20*time.Second)
	s.waitMore(t, 2, 10*time.Second)

	cut := time.Now()
	nb.stop()
	// The cameras keep producing: the edge's spool must grow, and the
	// aggregator must say it lost NATS.
	testenv.Eventually(t, 10*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if h.Backlog < 5 {
			return fmt.Errorf("edge backlog %d during the outage (nats %s)", h.Backlog, h.NATS)
		}
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() error {
		r, err := s.readiness()
		if err != nil {
			return err
		}
		if r.Ready || r.Checks["nats"] == "ok" {
			return fmt.Errorf("aggregator ready during the NATS outage: %+v", r)
		}
		return nil
	})
	time.Sleep(time.Until(cut.Add(5 * time.Second))) // the outage lasts 5 s
	h, err := s.edgeHealth()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backlog after a 5 s NATS outage: %d", h.Backlog)
	nb.start()

	testenv.Eventually(t, 20*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if h.Backlog != 0 || h.NATS != "CONNECTED" {
			return fmt.Errorf("edge backlog %d, nats %s after the outage", h.Backlog, h.NATS)
		}
		if h.Dropped != 0 {
			t.Fatalf("the edge dropped %d events", h.Dropped)
		}
		return nil
	})
	s.waitReady(20 * time.Second)
	s.waitMore(t, 3, 20*time.Second)
	s.stopEdgeDrained(t)
	s.proveExactlyOnce(t)
}

func TestFaultRedisOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	real, err := url.Parse(testenv.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, real.Host)
	viaProxy := *real
	viaProxy.Host = px.addr
	s := startSystemWith(t, setup{cameras: faultCams, aggRedisURL: viaProxy.String()})
	s.waitFlowing(t, 20*time.Second)
	s.waitMore(t, 2, 10*time.Second)

	cut := time.Now()
	px.cut()
	testenv.Eventually(t, 10*time.Second, func() error {
		r, err := s.readiness()
		if err != nil {
			return err
		}
		if r.Ready || r.Checks["redis"] == "ok" {
			return fmt.Errorf("aggregator ready while Redis is cut off: %+v", r)
		}
		return nil
	})
	// The outage lasts 8 s: go-redis retries a refused dial for several
	// seconds inside one call, so a 4 s cut is ridden out without the
	// ingester ever seeing an error, and its NAK path goes untested.
	time.Sleep(time.Until(cut.Add(8 * time.Second)))
	px.restore()

	testenv.Eventually(t, 20*time.Second, func() error {
		r, err := s.readiness()
		if err != nil {
			return err
		}
		if !r.Ready {
			return fmt.Errorf("aggregator not ready after Redis came back: %+v", r)
		}
		return nil
	})
	s.waitMore(t, 3, 30*time.Second)
	// The cut must have hit the write path, or this test proved nothing.
	m, err := s.get("/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if n := metric(m, "camwatch_ingest_redis_errors_total"); n == 0 {
		t.Errorf("no Redis error counted: the outage never reached the ingester")
	}
	if n := metric(m, "camwatch_ingest_invalid_total"); n != 0 {
		t.Errorf("%g messages dead-lettered during a Redis outage", n)
	}
	s.stopEdgeDrained(t)
	s.proveExactlyOnce(t)
}

func TestFaultAggregatorKilledDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	nb := startBroker(t)
	s := startSystemWith(t, setup{cameras: faultCams, nats: nb.env, statsInterval: 100 * time.Millisecond})
	s.waitFlowing(t, 20*time.Second)

	// Build a burst: the aggregator is dead and NATS is down, so the
	// edge's spool fills; then NATS comes back and the edge publishes it
	// all at once.
	s.aggregator.stop(t, syscall.SIGKILL)
	nb.stop()
	var backlog int64
	testenv.Eventually(t, 15*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if backlog = h.Backlog; backlog < 60 {
			return fmt.Errorf("edge backlog %d", h.Backlog)
		}
		return nil
	})
	t.Logf("burst of %d events", backlog)
	nb.start()

	// Kill each aggregator as soon as it has stored something: it dies
	// with a batch fetched and maybe half applied or unacknowledged.
	total := func() int64 {
		var n int64
		for _, c := range s.cams {
			n += s.storedCount(t, c.id)
		}
		return n
	}
	for i := range 3 {
		before := total()
		s.startAggregator()
		testenv.Eventually(t, 20*time.Second, func() error {
			if n := total(); n == before {
				return fmt.Errorf("aggregator %d has stored nothing yet (%d events in Redis)", i+1, n)
			}
			return nil
		})
		t.Logf("kill %d of the aggregator, %d events in Redis", i+1, total())
		s.aggregator.stop(t, syscall.SIGKILL)
	}
	s.startAggregator()
	s.waitReady(20 * time.Second)
	testenv.Eventually(t, 20*time.Second, func() error {
		h, err := s.edgeHealth()
		if err != nil {
			return err
		}
		if h.Backlog > 5 {
			return fmt.Errorf("edge backlog %d after NATS came back", h.Backlog)
		}
		return nil
	})
	s.waitMore(t, 10, 20*time.Second)
	s.stopEdgeDrained(t)
	s.proveExactlyOnce(t)
}

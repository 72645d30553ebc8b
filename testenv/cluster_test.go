package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// TestSharedRedisCluster: the shared cluster answers, spreads keys over
// its three masters, refuses a script over two slots and takes one whose
// keys share a hash tag.
func TestSharedRedisCluster(t *testing.T) {
	rdb, prefix := SharedRedisCluster(t)
	ctx := context.Background()
	masters := map[string]bool{}
	for i := range 30 {
		k := fmt.Sprintf("%s:{cam-%d}:state", prefix, i)
		if err := rdb.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatal(err)
		}
		m, err := rdb.MasterForKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		masters[m.Options().Addr] = true
	}
	if len(masters) != 3 {
		t.Errorf("30 cameras' keys landed on %d masters, want 3", len(masters))
	}
	script := redis.NewScript(`redis.call('SET', KEYS[1], 1); redis.call('SET', KEYS[2], 1); return 1`)
	err := script.Run(ctx, rdb, []string{prefix + ":{a}:x", prefix + ":{b}:y"}).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Errorf("script over two slots: %v, want CROSSSLOT", err)
	}
	if err := script.Run(ctx, rdb, []string{prefix + ":{a}:x", prefix + ":{a}:y"}).Err(); err != nil {
		t.Errorf("script over one hash tag: %v", err)
	}
}

// TestRedisClusterKillPrimary: a private cluster with one replica per
// master promotes a replica when its primary dies, and the data written
// before (and replicated) is still there.
func TestRedisClusterKillPrimary(t *testing.T) {
	c := StartRedisCluster(t, RedisClusterOptions{Replicas: 1})
	rdb := c.Client(t)
	ctx := context.Background()
	k := "kill:{cam}:state"
	if err := rdb.Set(ctx, k, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	m, err := rdb.MasterForKey(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Wait(ctx, 1, time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	victim := m.Options().Addr
	c.Kill(victim)
	Eventually(t, 20*time.Second, func() error {
		v, err := rdb.Get(ctx, k).Result()
		if err != nil {
			ms, _ := c.Masters(ctx)
			return fmt.Errorf("%w (masters %v)", err, ms)
		}
		if v != "v" {
			return fmt.Errorf("got %q", v)
		}
		return nil
	})
	masters, err := c.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range masters {
		if a == victim {
			t.Errorf("killed node %s still serves slots: %v", victim, masters)
		}
	}
}

// TestNATSCluster: a stream with three replicas keeps every message when
// one member stops while a client publishes, and the stopped member
// catches up after it starts again.
func TestNATSCluster(t *testing.T) {
	c := NATSCluster(t)
	nc, err := nats.Connect(c.TestURL, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "R3", Subjects: []string{"r3.>"}, Replicas: 3}); err != nil {
		t.Fatal(err)
	}
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			for {
				// Each try has its own deadline: a publish sent to the
				// member that is going down gets no ack at all, and
				// waiting for it on the test's context spent the whole
				// minute on one message. The msg id makes a retry of a
				// stored message harmless.
				pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
				_, err := js.Publish(pctx, "r3.x", []byte("m"), jetstream.WithMsgID(fmt.Sprint(i)))
				pcancel()
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
				time.Sleep(50 * time.Millisecond) // a leader election is going on
			}
		}
	}
	publish(0, 100)
	c.Stop(0)
	publish(100, 200)
	Eventually(t, 20*time.Second, func() error {
		info, err := js.Stream(ctx, "R3")
		if err != nil {
			return err
		}
		if n := info.CachedInfo().State.Msgs; n != 200 {
			return fmt.Errorf("%d messages, want 200", n)
		}
		return nil
	})
	if err := c.Start(0); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 20*time.Second, func() error {
		s, err := js.Stream(ctx, "R3")
		if err != nil {
			return err
		}
		info := s.CachedInfo()
		if info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			return fmt.Errorf("cluster info %+v", info.Cluster)
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current {
				return fmt.Errorf("replica %s not current", r.Name)
			}
		}
		return nil
	})
}

// TestSentinelFailover: behind Sentinel, a forced failover moves the
// primary to the replica and a failover client follows it with the data.
func TestSentinelFailover(t *testing.T) {
	s := StartSentinel(t)
	rdb := s.Client(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	before, err := s.Primary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Do(ctx, "WAIT", 1, 1000).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Failover(ctx); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 20*time.Second, func() error {
		now, err := s.Primary(ctx)
		if err != nil {
			return err
		}
		if now == before {
			return fmt.Errorf("primary still %s", now)
		}
		if err := rdb.Set(ctx, "k2", "v2", 0).Err(); err != nil {
			return err
		}
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			return fmt.Errorf("k = %q, %v", v, err)
		}
		return nil
	})
}

package camstate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// TestWaitReplicasOnCluster: with wait_replicas on a cluster with one
// replica per master, a batch over cameras on every master is stored and
// replicated (each replica has its master's writes when Apply returns);
// asking for more replicas than there are fails every event with
// ErrNotReplicated, so its messages are not acknowledged, and a retry
// once enough replicas confirm is a duplicate, not a second write; a
// master whose replica lags fails only its own cameras' events. Not
// shown by any test: that the WAIT must go on the scripts' connection (a
// mutant sending it on a fresh connection passed here and would pass
// ingest's TestRedisClusterPrimaryKilled, whose cut link makes every WAIT
// answer 0); WAIT's documented semantics are the reason for the design.
func TestWaitReplicasOnCluster(t *testing.T) {
	c := testenv.StartRedisCluster(t, testenv.RedisClusterOptions{Replicas: 1})
	rdb := c.Client(t)
	ctx := context.Background()
	var evs []*event.Event
	for i := range 30 { // 30 cameras: all three masters hold some
		evs = append(evs, mk(event.KindHealth, fmt.Sprintf("cam-%02d", i), 1, t0))
	}
	greedy := New(rdb, Options{Prefix: "w", WaitReplicas: 2, WaitTimeout: 200 * time.Millisecond, Now: fixedClock(t0.Add(time.Minute))})
	res, err := greedy.Apply(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !errors.Is(r.Err, ErrNotReplicated) {
			t.Fatalf("event %d with 2 replicas asked of 1: %v, want ErrNotReplicated", i, r.Err)
		}
	}
	s := New(rdb, Options{Prefix: "w", WaitReplicas: 1, Now: fixedClock(t0.Add(time.Minute))})
	// The first attempt's writes went through (Redis has no rollback); the
	// retry finds them: duplicates, stored once.
	for i, o := range mustApply(t, s, evs...) {
		if o != OutcomeDuplicate {
			t.Errorf("event %d retried: %s, want duplicate", i, o)
		}
	}
	fresh := make([]*event.Event, len(evs))
	for i, e := range evs {
		fresh[i] = mk(event.KindHealth, e.Camera, 2, t0)
	}
	for i, o := range mustApply(t, s, fresh...) {
		if o != OutcomeStored {
			t.Errorf("event %d: %s, want stored", i, o)
		}
	}
	// One master's replica stops (SIGSTOP; its link stays up): WAIT on
	// the connection the scripts used cannot be satisfied for that
	// master's cameras, which fail with ErrNotReplicated; the others, on
	// masters whose WAIT is answered, are stored.
	victim := masters(t, c)[0]
	lagging, err := c.ReplicaOf(ctx, victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Pause(lagging); err != nil {
		t.Fatal(err)
	}
	third := make([]*event.Event, len(evs))
	for i, e := range evs {
		third[i] = mk(event.KindHealth, e.Camera, 3, t0)
	}
	quick := New(rdb, Options{Prefix: "w", WaitReplicas: 1, WaitTimeout: 300 * time.Millisecond, Now: fixedClock(t0.Add(time.Minute))})
	res, err = quick.Apply(ctx, third)
	if err := c.Resume(lagging); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for i, r := range res {
		m, err := rdb.MasterForKey(ctx, quick.k.camera(event.CameraRef{Site: third[i].Site, Camera: third[i].Camera}))
		if err != nil {
			t.Fatal(err)
		}
		onVictim := m.Options().Addr == victim
		switch {
		case onVictim && !errors.Is(r.Err, ErrNotReplicated):
			t.Errorf("camera %s on %s, whose replica is stopped: %v, want ErrNotReplicated", third[i].Camera, victim, r.Err)
		case !onVictim && (r.Err != nil || r.Outcome != OutcomeStored):
			t.Errorf("camera %s on %s: %v %s, want stored", third[i].Camera, m.Options().Addr, r.Err, r.Outcome)
		}
		if onVictim {
			held++
		}
	}
	if held == 0 {
		t.Fatalf("no camera on %s", victim)
	}

	// Every replica has its master's writes already: read each camera
	// from the replicas only.
	for _, m := range masters(t, c) {
		replica, err := c.ReplicaOf(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		rc := redis.NewClient(&redis.Options{Addr: replica, OnConnect: func(ctx context.Context, cn *redis.Conn) error {
			return cn.ReadOnly(ctx).Err() // a replica serves its master's slots to a READONLY connection
		}})
		t.Cleanup(func() { _ = rc.Close() })
		ro := New(rc, Options{Prefix: "w", Now: fixedClock(t0.Add(time.Minute))})
		n := 0
		for _, e := range fresh {
			seqs, err := ro.CameraSeqs(ctx, event.CameraRef{Site: e.Site, Camera: e.Camera})
			if err != nil {
				continue // the camera lives on another master (MOVED)
			}
			n++
			if len(seqs) < 2 {
				t.Errorf("replica %s: camera %s has seqs %v, want 1 and 2 at least", replica, e.Camera, seqs)
			}
		}
		if n == 0 {
			t.Errorf("replica %s (of %s) holds none of the 30 cameras", replica, m)
		}
	}
}

func masters(t *testing.T, c *testenv.RedisCluster) []string {
	t.Helper()
	ms, err := c.Masters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

// TestStoreOnRedisCluster: the lease and the fenced write (one script over
// the lease, state, open index, history and outbox) work on a Redis
// Cluster: every alerts key carries the {alerts} hash tag, so the script
// touches one slot instead of failing with CROSSSLOT.
func TestStoreOnRedisCluster(t *testing.T) {
	rdb, prefix := testenv.SharedRedisCluster(t)
	ctx := context.Background()
	lease := NewLease(rdb, prefix, "leader", time.Minute)
	if ok, err := lease.Hold(ctx); !ok || err != nil {
		t.Fatalf("hold: %v %v", ok, err)
	}
	st, _ := NewEngine(NewSet(nil), Options{}).stateJSON()
	tr := Transition{ID: "x@1/firing", Kind: TransitionFiring, At: time.Now(),
		Alert: Alert{ID: "x@1", Key: "x", Rule: "cam-offline", Site: "q1", Camera: "cam-9", State: StateFiring}}
	s := NewStore(rdb, prefix, 0)
	if err := s.Write(ctx, "leader", 7, st, []Transition{tr}, time.Now()); err != nil {
		t.Fatalf("write on a cluster: %v", err)
	}
	if out, err := s.Outbox(ctx); err != nil || len(out) != 1 || out[0].ID != tr.ID {
		t.Errorf("outbox = %+v, %v; want the transition", out, err)
	}
	if err := s.Write(ctx, "someone-else", 8, st, nil, time.Now()); err == nil {
		t.Error("a write without the lease was accepted")
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

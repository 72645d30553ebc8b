package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/redis/go-redis/v9"
)

// faultCity is the small city of the Redis Cluster fault tests: 30
// cameras under two agents, an event from each every 5 simulated
// seconds, motion and outages often enough to make a report worth
// comparing.
func faultCity(end time.Time, steps int, seed uint64) *citysim.City {
	return citysim.New(citysim.Options{Cameras: 30, CamerasPerAgent: 15, Start: end.Add(-time.Duration(steps) * 5 * time.Second),
		StatsInterval: 5 * time.Second, HeartbeatInterval: 5 * time.Second, MotionEvery: 40 * time.Second,
		MotionLength: 5 * time.Second, OutagesPerDay: 24 * 60 / 4, Seed: seed})
}

// TestRedisClusterPrimaryKilled: two ingesters (as two aggregators) store
// a burst into a three-master Redis Cluster with one replica per master
// and `wait_replicas: 1`. During the burst the replica of the master
// holding the most keys stops for a moment (SIGSTOP) and its link drops,
// then that master is killed (SIGKILL) and the replica resumes and takes
// over, without the writes it missed; later the old node comes back as a
// replica. Afterwards every event JetStream acknowledged is in Redis
// exactly once (per-camera sequence audit), and the uptime report equals
// a replay of JetStream into a fresh prefix. Without the per-master WAIT
// (wait_replicas: 0) the same run loses acknowledged writes and the audit
// finds the holes.
func TestRedisClusterPrimaryKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const steps = 100
	city := faultCity(end, steps, 11)
	rc := testenv.StartRedisCluster(t, testenv.RedisClusterOptions{Replicas: 1})
	rdb := rc.Client(t)
	rig := newCityRig(t, city, testenv.NATSAuth(t, cityAgents(city)...), rdb, 1, end)
	o := camstate.Options{Prefix: "city", WaitReplicas: 1}
	_, m1 := rig.run("aggregator", o)
	_, m2 := rig.run("aggregator", o)
	pub, err := citysim.Dial(city, rig.agent)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var victim, replica string
	for step := range steps {
		switch step {
		case 20:
			// The victim's replica falls behind (stopped), so the victim
			// holds writes no replica has when it dies.
			victim = busiestMaster(ctx, t, rdb)
			if replica, err = rc.ReplicaOf(ctx, victim); err != nil {
				t.Fatal(err)
			}
			if err := rc.Pause(replica); err != nil {
				t.Fatal(err)
			}
			// The link drops (a stopped replica cannot come back), so
			// nothing the victim writes from now on leaves it.
			v := redis.NewClient(&redis.Options{Addr: victim})
			if err := v.ClientKillByFilter(ctx, "TYPE", "replica").Err(); err != nil {
				t.Fatal(err)
			}
			_ = v.Close()
		case 25:
			rc.Kill(victim)
			if err := rc.Resume(replica); err != nil {
				t.Fatal(err)
			}
			t.Logf("step %d: killed primary %s, its replica %s was stopped for 5 steps", step, victim, replica)
		case 70:
			testenv.Eventually(t, 30*time.Second, func() error {
				ms, err := rc.Masters(ctx)
				return errIf(err != nil || slices.Contains(ms, victim), "masters %v (%v): %s not replaced yet", ms, err, victim)
			})
			if err := rc.Start(victim); err != nil { // back, as a replica of its replacement
				t.Fatal(err)
			}
		}
		if err := pub.Publish(ctx, city.Step()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		time.Sleep(100 * time.Millisecond) // spread the burst over the failover
	}
	last, count := pub.Accepted()
	ledgerComplete(t, last, count, 32)
	testenv.Eventually(t, 2*time.Minute, func() error { return rig.audit(ctx, "city", last) })
	if n := counter(m1.RedisErrors) + counter(m2.RedisErrors); n == 0 {
		t.Errorf("no Redis error counted: the kill of %s was not felt", victim)
	}
	before := rig.report(ctx, "city", steps)
	if before.All.Cameras != 30 || before.All.Outages == 0 {
		t.Fatalf("report too thin: %d cameras, %d outages", before.All.Cameras, before.All.Outages)
	}
	rig.run("replay", camstate.Options{Prefix: "replay", WaitReplicas: 1})
	testenv.Eventually(t, 2*time.Minute, func() error { return rig.audit(ctx, "replay", last) })
	if after := rig.report(ctx, "replay", steps); !reflect.DeepEqual(after, before) {
		b, _ := json.Marshal(before.Summary(false))
		a, _ := json.Marshal(after.Summary(false))
		t.Errorf("uptime from the live store differs from the JetStream replay:\nlive   %s\nreplay %s", b, a)
	}
}

// TestRedisClusterSlotMigration: while two ingesters store a burst into a
// three-master cluster, the slots of three of the city's keys move to
// other masters key by key, as `redis-cli --cluster reshard` moves them.
// Halfway through each move the source answers ASK for a key already
// moved (the window is real). Without wait_replicas the ingesters' cluster
// client follows ASK and MOVED (a call split between the nodes gets
// TRYAGAIN and is redelivered); with it (a replica per master) each
// master's calls go on that master's own connection, which follows no
// redirect: they fail and are redelivered once the slot map is reread.
// Either way every acknowledged event is stored exactly once.
func TestRedisClusterSlotMigration(t *testing.T) {
	for _, tc := range []struct {
		name           string
		replicas, wait int
	}{{"redirects followed", 0, 0}, {"wait_replicas", 1, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			end := time.Now().UTC().Truncate(time.Second)
			const steps = 100
			city := faultCity(end, steps, 12)
			rc := testenv.StartRedisCluster(t, testenv.RedisClusterOptions{Replicas: tc.replicas})
			rdb := rc.Client(t)
			rig := newCityRig(t, city, testenv.NATSAuth(t, cityAgents(city)...), rdb, 1, end)
			o := camstate.Options{Prefix: "city", WaitReplicas: tc.wait}
			rig.run("aggregator", o)
			rig.run("aggregator", o)
			pub, err := citysim.Dial(city, rig.agent)
			if err != nil {
				t.Fatal(err)
			}
			defer pub.Close()
			var wg sync.WaitGroup
			migrated := make(chan error, 1)
			asks := 0
			for step := range steps {
				if step == 20 {
					slots := citySlots(ctx, t, rdb, "city:", 3)
					wg.Add(1)
					go func() {
						defer wg.Done()
						migrated <- migrate(ctx, rc, slots, &asks)
					}()
				}
				if err := pub.Publish(ctx, city.Step()); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			wg.Wait()
			if err := <-migrated; err != nil {
				t.Fatal(err)
			}
			if asks != 3 {
				t.Errorf("the source answered ASK halfway through %d of 3 moves", asks)
			}
			last, count := pub.Accepted()
			ledgerComplete(t, last, count, 32)
			testenv.Eventually(t, 2*time.Minute, func() error { return rig.audit(ctx, "city", last) })
		})
	}
}

// migrate moves each slot to the next master (in address order), key by
// key, checking halfway that the source redirects a moved key with ASK.
func migrate(ctx context.Context, rc *testenv.RedisCluster, slots []int, asks *int) error {
	for _, slot := range slots {
		ms, err := rc.Masters(ctx)
		if err != nil {
			return err
		}
		from, err := rc.SlotOwner(ctx, slot)
		if err != nil {
			return err
		}
		to := ms[(slices.Index(ms, from)+1)%len(ms)]
		err = rc.MigrateSlot(ctx, slot, to, 300*time.Millisecond, func(from, key string) error {
			src := redis.NewClient(&redis.Options{Addr: from, MaxRetries: -1})
			defer src.Close()
			err := src.Exists(ctx, key).Err()
			if err == nil || !strings.HasPrefix(err.Error(), "ASK ") {
				return fmt.Errorf("slot %d half moved: EXISTS %s on the source answered %v, want ASK", slot, key, err)
			}
			*asks++
			return nil
		})
		if err != nil {
			return fmt.Errorf("slot %d %s -> %s: %w", slot, from, to, err)
		}
		if owner, err := rc.SlotOwner(ctx, slot); err != nil || owner != to {
			return fmt.Errorf("slot %d: owner %s (%v) after the move, want %s", slot, owner, err, to)
		}
	}
	return nil
}

// citySlots returns the slots of n distinct keys under prefix, as the
// masters hold them now (so the test need not know the layout's names).
func citySlots(ctx context.Context, t *testing.T, rdb *redis.ClusterClient, prefix string, n int) []int {
	t.Helper()
	var mu sync.Mutex
	seen := map[int]bool{}
	var out []int
	err := rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		ks, _, err := m.Scan(ctx, 0, prefix+"*", 100).Result()
		if err != nil {
			return err
		}
		for _, k := range ks {
			slot, err := m.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				return err
			}
			mu.Lock()
			if !seen[int(slot)] && len(out) < n {
				seen[int(slot)] = true
				out = append(out, int(slot))
			}
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("found %d slots holding %s keys, want %d", len(out), prefix, n)
	}
	return out
}

// busiestMaster is the master holding the most keys now.
func busiestMaster(ctx context.Context, t *testing.T, rdb *redis.ClusterClient) string {
	t.Helper()
	var mu sync.Mutex
	best, most := "", int64(-1)
	err := rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		mu.Lock()
		defer mu.Unlock()
		if err == nil && n > most {
			best, most = m.Options().Addr, n
		}
		return err
	})
	if err != nil || most <= 0 {
		t.Fatalf("no master holds keys (%d): %v", most, err)
	}
	return best
}

// report is the program report over the last steps of the city, from
// the store under prefix.
func (r *cityRig) report(ctx context.Context, prefix string, steps int) *uptime.Report {
	r.t.Helper()
	end := r.now()
	src := uptime.NewSource(camstate.New(r.rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{Now: r.now})
	w := uptime.Span{From: end.Add(-time.Duration(steps) * r.city.Interval()), To: end}
	h, err := src.History(ctx, w)
	if err != nil {
		r.t.Fatal(err)
	}
	rep, err := uptime.Compute(h, uptime.Options{Window: w, GroupBy: uptime.GroupProgram, Location: time.UTC, DefaultTarget: 99, Worst: 3})
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

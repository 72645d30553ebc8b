package camstate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

func TestStoreApplyStateAndDedupe(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(time.Minute))})
			h1 := mk(event.KindHealth, "cam-1", 1, t0)
			st2 := mk(event.KindStats, "cam-1", 2, t0)
			off3 := offline(mk(event.KindHealth, "cam-1", 3, t0), event.ReasonStalled)
			ms4 := mk(event.KindMotionStart, "cam-1", 4, t0)
			hb := mk(event.KindHeartbeat, "", 1, t0.Add(50*time.Second))

			if err := sameOutcomes(mustApply(t, s, h1, st2, off3, ms4, hb),
				[]Outcome{OutcomeStored, OutcomeStored, OutcomeStored, OutcomeStored, OutcomeStored}); err != nil {
				t.Fatal(err)
			}
			// The same ids again (a redelivery or a republish) change nothing.
			if err := sameOutcomes(mustApply(t, s, st2, off3, hb), []Outcome{OutcomeDuplicate, OutcomeDuplicate, OutcomeDuplicate}); err != nil {
				t.Fatal(err)
			}
			// Another event under a seq already stored is the same event
			// (seqs count a camera's events without gaps): a duplicate,
			// whatever its id, and it changes nothing.
			same := mk(event.KindStats, "cam-1", 3, t0)
			same.Seq = 2
			same.Health.FPS = 99
			if err := sameOutcomes(mustApply(t, s, same), []Outcome{OutcomeDuplicate}); err != nil {
				t.Fatal(err)
			}

			c, err := s.Camera(ctx, q1("cam-1"))
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != event.StatusOffline || c.Reason != event.ReasonStalled || c.LastSeq != 4 || !c.Motion || c.FPS != 15 ||
				c.Site != "q1" || c.Agent != "edge-1" || c.Labels.Ward != "Ben Nghe" || c.LastKind != event.KindMotionStart {
				t.Errorf("state = %+v", c)
			}
			if c.AgentSeen == nil || !c.AgentSeen.Equal(hb.Time) {
				t.Errorf("agent seen = %v, want %v", c.AgentSeen, hb.Time)
			}
			if seqs := mustSeqs(t, s, q1("cam-1")); !slices.Equal(seqs, []uint64{1, 2, 3, 4}) {
				t.Fatalf("seqs stored %v, want 1..4 once each", seqs)
			}
			mins, err := s.Stats(ctx, q1("cam-1"), t0, t0.Add(time.Hour))
			if err != nil || len(mins) != 1 || mins[0].Samples != 1 || mins[0].FPSAvg != 15 || !slices.Equal(mins[0].Seqs, []uint64{2}) ||
				!slices.Equal(mins[0].Others, []uint64{1, 3, 4}) {
				t.Errorf("roll-ups = %+v, %v; want one minute: stats seq 2 at 15 fps, others 1, 3, 4", mins, err)
			}
			tr, err := s.Transitions(ctx, q1("cam-1"), t0, t0.Add(time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr) != 2 || tr[0].Status != event.StatusOnline || tr[1].Status != event.StatusOffline || tr[1].Reason != event.ReasonStalled {
				t.Errorf("transitions = %+v", tr)
			}
			cams, err := s.Cameras(ctx)
			if err != nil || len(cams) != 1 || cams[0].ID != "cam-1" {
				t.Errorf("cameras = %+v, %v", cams, err)
			}
			if _, err := s.Camera(ctx, q1("nope")); err == nil {
				t.Error("unknown camera: no error")
			}
		})
	}
}

func TestStoreRetention(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			ctx := context.Background()
			now := t0.Add(100 * time.Hour)
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(now), EventRetention: 72 * time.Hour, TransitionRetention: 90 * time.Hour})
			old := mk(event.KindHealth, "cam-r", 1, t0)                                                // 100h old: past both retentions
			mid := offline(mk(event.KindHealth, "cam-r", 2, t0.Add(20*time.Hour)), event.ReasonClosed) // 80h: events gone, transition kept
			fresh := mk(event.KindHealth, "cam-r", 3, now.Add(-time.Minute))
			mustApply(t, s, old, mid, fresh)
			if seqs := mustSeqs(t, s, q1("cam-r")); !slices.Equal(seqs, []uint64{3}) {
				t.Errorf("events kept %v, want only seq 3", seqs)
			}
			tr, err := s.Transitions(ctx, q1("cam-r"), t0.Add(-time.Hour), now, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr) != 2 || tr[0].Seq != 2 {
				t.Errorf("transitions after trim = %+v, want seq 2 and 3", tr)
			}
		})
	}
}

func TestStoreAgentTimeout(t *testing.T) {
	now := t0.Add(time.Hour)
	cases := []struct {
		name      string
		heartbeat time.Duration // age of the last heartbeat; 0 for none
		lastEvent time.Duration // age of the camera's last event
		want      event.Status
	}{
		{"fresh heartbeat", 5 * time.Second, 50 * time.Minute, event.StatusOnline},
		{"stale heartbeat", 31 * time.Second, time.Second, event.StatusUnknown},
		{"no heartbeat, fresh event", 0, 10 * time.Second, event.StatusOnline},
		{"no heartbeat, stale event", 0, 10 * time.Minute, event.StatusUnknown},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					rdb, prefix := b.open(t)
					s := New(rdb, Options{Prefix: prefix, Now: fixedClock(now), AgentTimeout: 30 * time.Second})
					h := mk(event.KindHealth, "cam-a", 1, t0)
					h.Time = now.Add(-c.lastEvent)
					mustApply(t, s, h)
					if c.heartbeat > 0 {
						hb := mk(event.KindHeartbeat, "", 1, t0)
						hb.Time = now.Add(-c.heartbeat)
						mustApply(t, s, hb)
					}
					cam, err := s.Camera(context.Background(), q1("cam-a"))
					if err != nil {
						t.Fatal(err)
					}
					if cam.Status != c.want || cam.Reported != event.StatusOnline {
						t.Errorf("status %s (reported %s), want %s", cam.Status, cam.Reported, c.want)
					}
				})
			}
		})
	}
}

func TestStoreScriptReload(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0)})
			mustApply(t, s, mk(event.KindHealth, "cam-s", 1, t0))
			// A restarted Redis has forgotten the script.
			if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
			if err := sameOutcomes(mustApply(t, s, mk(event.KindStats, "cam-s", 2, t0)), []Outcome{OutcomeStored}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestStoreApplyWithinOneBatch covers what one script call must get right
// across the events it handles together: repeats, order of seq, more
// events than one call takes, and a bad key failing only its own event.
func TestStoreApplyWithinOneBatch(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(time.Hour))})
			a5 := mk(event.KindHealth, "cam-w", 5, t0)
			a4 := mk(event.KindStats, "cam-w", 4, t0)
			a6 := offline(mk(event.KindHealth, "cam-w", 6, t0), event.ReasonClosed)
			hb := mk(event.KindHeartbeat, "", 1, t0)
			if err := sameOutcomes(mustApply(t, s, a5, a5, a4, hb, a6, hb),
				[]Outcome{OutcomeStored, OutcomeDuplicate, OutcomeLate, OutcomeStored, OutcomeStored, OutcomeDuplicate}); err != nil {
				t.Fatal(err)
			}
			c, err := s.Camera(ctx, q1("cam-w"))
			if err != nil || c.LastSeq != 6 || c.Reported != event.StatusOffline {
				t.Fatalf("state = %+v, %v; want seq 6 offline", c, err)
			}

			// More events than one script call takes, over a few cameras.
			var many []*event.Event
			for i := uint64(1); i <= 2*applyChunk+10; i++ {
				many = append(many, mk(event.KindHealth, fmt.Sprintf("cam-m%d", i%3), i, t0))
			}
			for i, o := range mustApply(t, s, many...) {
				if o != OutcomeStored {
					t.Fatalf("event %d: %v, want stored", i, o)
				}
			}
			if n := len(mustSeqs(t, s, q1("cam-m1"))); n != (2*applyChunk+10)/3 {
				t.Errorf("cam-m1 holds %d events", n)
			}

			// A key of the wrong type fails its own event only.
			if err := rdb.Set(ctx, s.k.camera(q1("bad")), "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
			good1, bad, good2 := mk(event.KindHealth, "cam-g", 1, t0), mk(event.KindHealth, "bad", 1, t0), mk(event.KindHealth, "cam-g", 2, t0)
			res, err := s.Apply(ctx, []*event.Event{good1, bad, good2})
			if err != nil {
				t.Fatal(err)
			}
			// good1 may read as a duplicate: the failed call stored it before
			// the retry one event per call.
			if res[0].Err != nil || res[2].Err != nil || res[1].Err == nil {
				t.Errorf("results = %+v; want only the bad camera's event to fail", res)
			}
			if n := len(mustSeqs(t, s, q1("cam-g"))); n != 2 {
				t.Errorf("cam-g holds %d events, want 2", n)
			}
			// The failed event left no seq behind: once the key is repaired,
			// its redelivery is stored, not taken for a duplicate.
			if err := rdb.Del(ctx, s.k.camera(q1("bad"))).Err(); err != nil {
				t.Fatal(err)
			}
			if err := sameOutcomes(mustApply(t, s, bad), []Outcome{OutcomeStored}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// mustSeqs returns the seqs of camera's events Redis holds, sorted.
func mustSeqs(t *testing.T, s *Store, camera event.CameraRef) []uint64 {
	t.Helper()
	seqs, err := s.CameraSeqs(context.Background(), camera)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seqs)
	return seqs
}

// TestStoreTrimsByAge checks the periodic trim: what ages out is gone
// after at most one trim period since the key's last trim, ids included.
func TestStoreTrimsByAge(t *testing.T) {
	const retention = 72 * time.Hour
	cases := []struct {
		name      string
		later     []time.Duration // when the next events are stored, after the first
		oldEvents int             // the first event still in :events and :transitions
		ids       int64           // ids remembered
	}{
		{"within retention", []time.Duration{time.Hour}, 1, 2},
		{"past retention, within a period of the last trim", []time.Duration{retention - 30*time.Second, retention + 15*time.Second}, 1, 3},
		{"past retention and a period after the last trim", []time.Duration{retention - 30*time.Second, retention + 31*time.Second}, 0, 2},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					rdb, prefix := b.open(t)
					now := t0
					s := New(rdb, Options{Prefix: prefix, Now: func() time.Time { return now },
						EventRetention: retention, TransitionRetention: retention})
					store := func(seq uint64) {
						e := mk(event.KindHealth, "cam-t", seq, t0)
						e.Time = now
						mustApply(t, s, e)
					}
					store(1)
					for i, d := range c.later {
						now = t0.Add(d)
						store(uint64(i + 2))
					}
					ctx := context.Background()
					// (The roll-ups, which hold the events' seqs, are trimmed
					// by whole hours: TestStoreRetention.)
					tr, err := s.Transitions(ctx, q1("cam-t"), t0.Add(-time.Hour), now, 10)
					if err != nil {
						t.Fatal(err)
					}
					if got := len(tr) - len(c.later); got != c.oldEvents {
						t.Errorf("old transitions kept: %d, want %d", got, c.oldEvents)
					}
					_ = rdb // the seqs stored are remembered as ranges, never trimmed
				})
			}
		})
	}
}

// TestStoreFollowsAWipedSpool: an agent whose spool was wiped starts its
// seqs again at 1 in a new spool epoch, which it announces in its
// heartbeat. Its events are newer in time, so the state follows them
// instead of waiting for the seqs to pass the old ones; an event that is
// older in both seq and time is still late; an epoch nobody announced
// changes nothing.
func TestStoreFollowsAWipedSpool(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(10*time.Minute + time.Second))})
			epoch := func(e *event.Event, ep string) *event.Event {
				e.Epoch = ep
				if e.Heartbeat != nil {
					e.Heartbeat.Epoch = ep
				}
				return e
			}
			var old []*event.Event
			for i := uint64(1); i <= 5; i++ {
				old = append(old, epoch(mk(event.KindStats, "cam-1", i, t0.Add(time.Duration(i)*time.Second)), "spool-a"))
			}
			old = append(old, epoch(mk(event.KindHeartbeat, "", 1, t0.Add(5*time.Second)), "spool-a"))
			mustApply(t, s, old...)
			again := epoch(offline(mk(event.KindHealth, "cam-1", 1, t0.Add(10*time.Minute)), event.ReasonRefused), "spool-b")
			if err := sameOutcomes(mustApply(t, s, again), []Outcome{OutcomeUnannounced}); err != nil {
				t.Fatalf("an epoch not announced: %v", err)
			}
			c, err := s.Camera(ctx, q1("cam-1"))
			if err != nil {
				t.Fatal(err)
			}
			if c.Status == event.StatusOffline || c.LastSeq != 5 {
				t.Errorf("an unannounced epoch changed the state: %s seq %d", c.Status, c.LastSeq)
			}
			hb := epoch(mk(event.KindHeartbeat, "", 1, t0.Add(10*time.Minute-time.Second)), "spool-b")
			if err := sameOutcomes(mustApply(t, s, hb, again), []Outcome{OutcomeNewEpoch, OutcomeNewEpoch}); err != nil {
				t.Fatalf("first heartbeat and event after the wipe: %v", err)
			}
			if c, err = s.Camera(ctx, q1("cam-1")); err != nil {
				t.Fatal(err)
			}
			if c.Status != event.StatusOffline || c.LastSeq != 1 {
				t.Errorf("state after the wipe = %s seq %d, want offline seq 1", c.Status, c.LastSeq)
			}
			next := epoch(mk(event.KindStats, "cam-1", 2, t0.Add(11*time.Minute)), "spool-b")
			stale := epoch(mk(event.KindStats, "cam-1", 1, t0.Add(9*time.Minute)), "spool-b")
			late := epoch(mk(event.KindStats, "cam-1", 6, t0.Add(6*time.Second)), "spool-a")
			// stale reuses a seq of spool-b already stored: the same event,
			// a duplicate.
			if err := sameOutcomes(mustApply(t, s, next, stale, late), []Outcome{OutcomeStored, OutcomeDuplicate, OutcomeLate}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestStoreOutOfOrderSeqs: events of one camera stored in a shuffled
// order, some twice, by several calls (as workers and aggregators do)
// are each stored once, every stats sample rolled up once, and the seqs
// remembered shrink back to one range.
func TestStoreOutOfOrderSeqs(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(time.Hour))})
			const n = 600
			var evs []*event.Event
			for i := uint64(1); i <= n; i++ {
				k := event.KindStats
				if i%7 == 0 {
					k = event.KindMotionStart
				}
				evs = append(evs, mk(k, "cam-o", i, t0))
			}
			order := rand.New(rand.NewPCG(1, 2)).Perm(n)
			for lo := 0; lo < n; lo += 50 {
				var batch []*event.Event
				for _, j := range order[lo:min(lo+50, n)] {
					batch = append(batch, evs[j])
					if j%5 == 0 {
						batch = append(batch, evs[j]) // a redelivery in the same batch
					}
				}
				mustApply(t, s, batch...)
			}
			mustApply(t, s, evs[:100]...) // and a late redelivery of many
			seqs, err := s.CameraSeqs(ctx, q1("cam-o"))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]int{}
			for _, q := range seqs {
				seen[q]++
			}
			for i := uint64(1); i <= n; i++ {
				if seen[i] != 1 {
					t.Fatalf("seq %d stored %d times", i, seen[i])
				}
			}
			if len(seqs) != n {
				t.Fatalf("%d stored, want %d", len(seqs), n)
			}
			if done := rdb.HGet(ctx, s.k.camera(q1("cam-o")), "done").Val(); done != "-=1-600" {
				t.Errorf("seqs remembered as %q, want one range", done)
			}
		})
	}
}

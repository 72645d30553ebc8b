package camstate

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// heartbeats returns agent edge-1's heartbeats at the given offsets (in
// seconds from t0), numbered 1, 2, ... in time order.
func heartbeats(offsets ...int) []*event.Event {
	out := make([]*event.Event, len(offsets))
	for i, o := range offsets {
		e := mk(event.KindHeartbeat, "", uint64(i+1), t0)
		e.Time = t0.Add(time.Duration(o) * time.Second)
		out[i] = e
	}
	return out
}

// gapsOf reads the agent's gaps as "<from s>-<to s>" offsets from t0.
func gapsOf(t *testing.T, s *Store, agent string) []string {
	t.Helper()
	members, err := s.rdb.ZRange(context.Background(), s.k.agentGaps(agent), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(members))
	for _, m := range members {
		var from, to int64
		if _, err := fmt.Sscanf(m, "%d-%d", &from, &to); err != nil {
			t.Fatalf("gap member %q: %v", m, err)
		}
		out = append(out, fmt.Sprintf("%d-%d", (from-t0.UnixMilli())/1000, (to-t0.UnixMilli())/1000))
	}
	return out
}

func TestStoreRecordsAgentGaps(t *testing.T) {
	// Heartbeats at 0, 10, 20, 100, 110, 300 s with a 30 s timeout: the
	// agent was lost from 50 to 100 and from 140 to 300.
	offsets := []int{0, 10, 20, 100, 110, 300}
	want := []string{"50-100", "140-300"}
	cases := []struct {
		name string
		// batches of indexes into the heartbeats, applied in order
		batches [][]int
		want    []string
	}{
		{"in order, one batch", [][]int{{0, 1, 2, 3, 4, 5}}, want},
		{"in order, one per call", [][]int{{0}, {1}, {2}, {3}, {4}, {5}}, want},
		{"redelivered", [][]int{{0, 1, 2, 3}, {2, 3, 4, 5}, {0, 5}}, want},
		{"late heartbeat splits a gap", [][]int{{0, 1, 2, 4, 5}, {3}}, want},
		{"late heartbeats fill gaps", [][]int{{0, 5}, {3}, {1, 2, 4}}, want},
		{"first heartbeat late", [][]int{{3, 4, 5}, {2}, {0, 1}}, want},
		{"reversed", [][]int{{5}, {4}, {3}, {2}, {1}, {0}}, want},
		{"no loss without the long silences", [][]int{{0, 1, 2}}, nil},
	}
	for _, b := range backends {
		for _, c := range cases {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				rdb, prefix := b.open(t)
				s := New(rdb, Options{Prefix: prefix, AgentTimeout: 30 * time.Second, Now: fixedClock(t0.Add(time.Hour))})
				hbs := heartbeats(offsets...)
				for _, batch := range c.batches {
					evs := make([]*event.Event, len(batch))
					for i, j := range batch {
						evs[i] = hbs[j]
					}
					mustApply(t, s, evs...)
				}
				if got := gapsOf(t, s, "edge-1"); !slices.Equal(got, c.want) {
					t.Errorf("gaps = %v, want %v", got, c.want)
				}
			})
		}
	}
}

func TestStoreTrimsAgentGaps(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			rdb, prefix := b.open(t)
			now := t0.Add(10 * 24 * time.Hour)
			clock := now
			s := New(rdb, Options{Prefix: prefix, AgentTimeout: 30 * time.Second,
				TransitionRetention: 5 * 24 * time.Hour, EventRetention: time.Hour, Now: func() time.Time { return clock }})
			// A loss nine days ago, then one an hour ago: the old one is
			// past the transitions retention and goes at the next trim (at
			// most one a minute).
			hbs := heartbeats(0, 100)
			for i, o := range []time.Duration{-2 * time.Hour, -time.Hour} {
				e := mk(event.KindHeartbeat, "", uint64(3+i), t0)
				e.Time = now.Add(o)
				hbs = append(hbs, e)
			}
			mustApply(t, s, hbs[:2]...)
			if got := gapsOf(t, s, "edge-1"); !slices.Equal(got, []string{"30-100"}) {
				t.Fatalf("gaps = %v, want [30-100]", got)
			}
			clock = now.Add(2 * time.Minute)
			mustApply(t, s, hbs[2:]...)
			from := int(hbs[2].Time.Add(30 * time.Second).Sub(t0).Seconds())
			to := int(hbs[3].Time.Sub(t0).Seconds())
			// The gap from 130 s to now-2h begins before the retention too.
			if got := gapsOf(t, s, "edge-1"); !slices.Equal(got, []string{fmt.Sprintf("%d-%d", from, to)}) {
				t.Errorf("gaps = %v, want only the loss an hour ago", got)
			}
		})
	}
}

package camstate

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestTwoSitesSameCameraID: sites q1 and q3 both have a cam-01, watched
// by different agents, with different states and overlapping seqs. Each
// keeps its own state, seqs, transitions, roll-ups and history (on one
// Redis, on the Redis Cluster, on miniredis); a bare id resolves to both.
func TestTwoSitesSameCameraID(t *testing.T) {
	at := func(site, agent string, e *event.Event) *event.Event {
		e.Site, e.Agent = site, agent
		return e
	}
	a := event.CameraRef{Site: "q1", Camera: "cam-01"}
	b := event.CameraRef{Site: "q3", Camera: "cam-01"}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			rdb, prefix := be.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(10 * time.Second))})
			evs := []*event.Event{
				at("q1", "edge-q1", mk(event.KindHealth, "cam-01", 1, t0)),
				at("q1", "edge-q1", mk(event.KindStats, "cam-01", 2, t0)),
				at("q1", "edge-q1", mk(event.KindStats, "cam-01", 3, t0)),
				// The same seqs at q3: new events of another camera, not
				// duplicates.
				at("q3", "edge-q3", offline(mk(event.KindHealth, "cam-01", 1, t0), event.ReasonRefused)),
				at("q3", "edge-q3", offline(mk(event.KindHealth, "cam-01", 2, t0), event.ReasonRefused)),
			}
			evs[4].Labels.Program = "boarding"
			if err := sameOutcomes(mustApply(t, s, evs...), []Outcome{OutcomeStored, OutcomeStored, OutcomeStored, OutcomeStored, OutcomeStored}); err != nil {
				t.Fatal(err)
			}
			cams, err := s.Cameras(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(cams) != 2 || cams[0].Ref != a || cams[1].Ref != b {
				t.Fatalf("cameras %+v, want q1/cam-01 then q3/cam-01", cams)
			}
			for _, tc := range []struct {
				ref     event.CameraRef
				status  event.Status
				agent   string
				program string
				seq     uint64
				seqs    []uint64
			}{
				{a, event.StatusOnline, "edge-q1", "ward", 3, []uint64{1, 2, 3}},
				{b, event.StatusOffline, "edge-q3", "boarding", 2, []uint64{1, 2}},
			} {
				c, err := s.Camera(ctx, tc.ref)
				if err != nil {
					t.Fatal(err)
				}
				if c.Ref != tc.ref || c.ID != "cam-01" || c.Site != tc.ref.Site || c.Status != tc.status ||
					c.Agent != tc.agent || c.LastSeq != tc.seq || c.Labels.Program != tc.program {
					t.Errorf("%s: %+v", tc.ref, c)
				}
				if seqs := mustSeqs(t, s, tc.ref); !slices.Equal(seqs, tc.seqs) {
					t.Errorf("%s seqs %v, want %v", tc.ref, seqs, tc.seqs)
				}
				done, err := s.Stored(ctx, tc.ref)
				if err != nil || done.Count() != uint64(len(tc.seqs)) {
					t.Errorf("%s stored %v %v", tc.ref, done, err)
				}
				tr, err := s.Transitions(ctx, tc.ref, t0, t0.Add(time.Hour), 10)
				if err != nil || len(tr) == 0 || tr[len(tr)-1].Status != tc.status {
					t.Errorf("%s transitions %+v %v", tc.ref, tr, err)
				}
			}
			refs, err := s.Resolve(ctx, "cam-01")
			if err != nil || !slices.Equal(refs, []event.CameraRef{a, b}) {
				t.Errorf("Resolve(cam-01) = %v %v", refs, err)
			}
			if refs, _ := s.Resolve(ctx, "cam-02"); len(refs) != 0 {
				t.Errorf("Resolve(cam-02) = %v", refs)
			}
			if _, err := s.Camera(ctx, event.CameraRef{Site: "q2", Camera: "cam-01"}); err == nil {
				t.Error("q2/cam-01 found")
			}
			hs, found, err := s.CameraHistories(ctx, []event.CameraRef{b, a}, t0, t0.Add(time.Hour))
			if err != nil || !found[0] || !found[1] {
				t.Fatal(hs, found, err)
			}
			if hs[0].Ref != b || hs[0].Agent != "edge-q3" || hs[0].Changes[len(hs[0].Changes)-1].Status != "offline" ||
				hs[1].Ref != a || hs[1].Agent != "edge-q1" || hs[1].Changes[len(hs[1].Changes)-1].Status != "online" {
				t.Errorf("histories %+v", hs)
			}
		})
	}
}

package camstate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestSeedTransitions: generated past changes go in front of a camera's
// reported history without touching its state or sequence, so its agent's
// next event is stored as usual; a change reaching into the reported
// history is refused and nothing is written.
func TestSeedTransitions(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			rdb, prefix := be.open(t)
			ctx := context.Background()
			s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(time.Minute))})
			mustApply(t, s, mk(event.KindHealth, "cam-01", 1, t0))
			ref := q1("cam-01")
			month := t0.Add(-30 * 24 * time.Hour)
			past := []StatusChange{
				{Since: month, Status: "online"},
				{Since: month.Add(48 * time.Hour), Status: "offline", Reason: "refused"},
				{Since: month.Add(50 * time.Hour), Status: "online"},
			}
			if err := s.SeedTransitions(ctx, ref, append(past, StatusChange{Since: t0, Status: "offline", Reason: "timeout"})); !errors.Is(err, ErrSeedOverlaps) {
				t.Fatalf("a change at the reported history's start: %v, want ErrSeedOverlaps", err)
			}
			if until, err := s.GeneratedUntil(ctx); err != nil || !until.IsZero() {
				t.Fatalf("generated until %v %v before any seeding (the refused one wrote nothing)", until, err)
			}
			if err := s.SeedTransitions(ctx, ref, past); err != nil {
				t.Fatal(err)
			}
			// The last generated state (online from month+50h) lasts until
			// the first reported change (its event, seq 1, at t0+1s): a
			// window starting between the two shows generated history too.
			if until, err := s.GeneratedUntil(ctx); err != nil || !until.Equal(t0.Add(time.Second)) {
				t.Fatalf("generated until %v %v, want the first reported change %v", until, err, t0.Add(time.Second))
			}
			hs, found, err := s.CameraHistories(ctx, []event.CameraRef{ref}, month.Add(-time.Hour), t0.Add(time.Hour))
			if err != nil || !found[0] {
				t.Fatal(err, found)
			}
			var got []string
			for _, c := range hs[0].Changes {
				got = append(got, c.Since.UTC().Format(time.RFC3339)+" "+c.Status)
			}
			want := []string{month.Format(time.RFC3339) + " online", month.Add(48*time.Hour).Format(time.RFC3339) + " offline",
				month.Add(50*time.Hour).Format(time.RFC3339) + " online", t0.Format(time.RFC3339) + " online"}
			if len(got) != len(want) {
				t.Fatalf("history %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("history %v, want %v", got, want)
				}
			}
			// The agent's next event is stored as if nothing was seeded.
			if err := sameOutcomes(mustApply(t, s, offline(mk(event.KindHealth, "cam-01", 2, t0), event.ReasonTimeout)), []Outcome{OutcomeStored}); err != nil {
				t.Fatal(err)
			}
			c, err := s.Camera(ctx, ref)
			if err != nil || c.Reported != event.StatusOffline || c.LastSeq != 2 {
				t.Fatalf("camera after its next event: %+v %v", c, err)
			}
		})
	}
}

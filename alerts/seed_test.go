package alerts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

// TestSeedHistory: generated transitions join the history that reports
// read, never the open index; ones reaching into the recorded history
// are refused and nothing is written.
func TestSeedHistory(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	s := NewStore(rdb, prefix, 0)
	now := time.Now().Truncate(time.Millisecond)
	tr := func(id string, kind TransitionKind, ago time.Duration) Transition {
		return Transition{ID: id + "/" + string(kind), Kind: kind, At: now.Add(-ago),
			Alert: Alert{ID: id, Key: CameraKey("cam-offline", "q1", "cam-01"), Rule: "cam-offline", Site: "q1", Camera: "cam-01", State: StateResolved}}
	}
	if err := s.SeedHistory(ctx, []Transition{tr("a1", TransitionFiring, 72*time.Hour), tr("a1", TransitionResolved, 70*time.Hour)}); err != nil {
		t.Fatal(err)
	}
	err := s.SeedHistory(ctx, []Transition{tr("a2", TransitionFiring, 80*time.Hour), tr("a2", TransitionResolved, time.Hour)})
	if !errors.Is(err, ErrSeedOverlaps) {
		t.Fatalf("a transition after the oldest recorded one: %v, want ErrSeedOverlaps", err)
	}
	got, err := s.History(ctx, now.Add(-100*time.Hour), now)
	if err != nil || len(got) != 2 || got[0].ID != "a1/firing" || got[1].ID != "a1/resolved" {
		t.Fatalf("history %+v %v, want a1's two (a2 refused whole)", got, err)
	}
	if open, err := s.Open(ctx); err != nil || len(open) != 0 {
		t.Errorf("open alerts after seeding: %+v %v", open, err)
	}
}

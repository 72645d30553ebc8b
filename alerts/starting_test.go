package alerts

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestStartingIsNotOffline: an agent reports its cameras offline with
// reason "starting" until the first session opens or fails; that neither
// fires an offline alert, however long it lasts, nor hides a real failure
// that follows it.
func TestStartingIsNotOffline(t *testing.T) {
	rules, err := Parse([]byte("rules:\n  - id: off\n    trigger: {type: offline, for: 1s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := t0
	eng := NewEngine(NewSet(rules), Options{Now: func() time.Time { return now }})
	feed := func(at time.Duration, st event.Status, r event.Reason) []Transition {
		now = t0.Add(at)
		ev := &event.Event{Kind: event.KindStats, Site: "q1", Agent: "e1", Camera: "c1", Time: now,
			Health: &event.Health{Status: st, Reason: r, Since: t0.Add(at)}}
		trs, err := eng.Observe(ev)
		if err != nil {
			t.Fatal(err)
		}
		return trs
	}
	tests := []struct {
		name   string
		at     time.Duration
		status event.Status
		reason event.Reason
		tick   time.Duration
		want   []TransitionKind
	}{
		{"starting for 5s", 0, event.StatusOffline, event.ReasonStarting, 5 * time.Second, nil},
		{"then refused for 1s", 6 * time.Second, event.StatusOffline, event.ReasonRefused, 7 * time.Second, []TransitionKind{TransitionFiring}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []TransitionKind
			for _, tr := range append(feed(tc.at, tc.status, tc.reason), eng.Tick(t0.Add(tc.tick))...) {
				got = append(got, tr.Kind)
			}
			if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
				t.Fatalf("tick gave %v, want %v", got, tc.want)
			}
		})
	}
}

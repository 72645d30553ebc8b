package alerts

import (
	"os"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// FuzzRules: any rules file either is refused with an error or yields
// rules the engine evaluates without a panic. Seeds: the shipped rules,
// testdata, testdata/fuzz/FuzzRules.
func FuzzRules(f *testing.F) {
	for _, p := range []string{"../configs/alerts.yaml", "testdata/engine.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("rules:\n  - id: r\n    trigger: offline\n    for: 1s\n    receivers: [x]\n"))
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		clock := now
		e := NewEngine(NewSet(r), Options{Now: func() time.Time { return clock }})
		for i, st := range []event.Status{event.StatusOffline, event.StatusOnline} {
			ev := &event.Event{Schema: 1, ID: "0123456789abcdef", Kind: event.KindHealth, Site: "q1", Agent: "a", Camera: "c",
				Time: clock, Seq: uint64(i + 1), Health: &event.Health{Status: st, Reason: event.ReasonTimeout, Since: clock}}
			if _, err := e.Observe(ev); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Hour)
			e.Tick(clock)
		}
	})
}

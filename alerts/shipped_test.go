package alerts

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
)

// shippedHarness runs the engine on configs/alerts.yaml.
func shippedHarness(t *testing.T) *harness {
	t.Helper()
	data, err := configs.Examples.ReadFile("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, eng: NewEngine(NewSet(r), Options{})}
}

// TestShippedNightOutageWaitsForDaytime: the 5+1 group is told about an
// alley camera that died at 03:00 when its window opens at 07:00, once.
func TestShippedNightOutageWaitsForDaytime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := shippedHarness(t)
		h.runUntil(3, 0)
		h.health("tdp7-alley-01", event.StatusOffline, event.ReasonRefused)
		h.run(time.Hour)
		h.want()
		h.runUntil(6, 59)
		h.run(2 * time.Minute)
		h.want("firing tdp7-offline-daytime/tdp7-alley-01")
		if at := h.last().At.In(h.eng.rules.Rules().Location()).Format("15:04"); at != "07:00" {
			t.Errorf("fired at %s, want 07:00", at)
		}
	})
}

func TestRemovedRuleResolvesItsAlerts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := shippedHarness(t)
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonStalled)
		h.run(2*time.Minute + time.Second)
		h.want("firing stalled-stream/bn-leloi-01", "firing street-offline/bn-leloi-01")
		r, err := Parse([]byte("rules:\n  - id: street-offline\n    trigger: {type: offline, for: 2m}\n"))
		if err != nil {
			t.Fatal(err)
		}
		h.eng.rules.Replace(r)
		h.run(time.Second)
		h.want("firing stalled-stream/bn-leloi-01", "firing street-offline/bn-leloi-01", "resolved stalled-stream/bn-leloi-01")
		if got := h.last().Alert.ResolvedBy; got != "rule" {
			t.Errorf("resolved by %q, want rule", got)
		}
	})
}

package alerts

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestEngineRefusesForgedSequence: the engine applies ingest's seq rules
// to its own copy of a camera, so a forged seq jump or an unannounced
// spool epoch cannot raise or clear an alert, and a late event cannot
// move the camera back.
func TestEngineRefusesForgedSequence(t *testing.T) {
	h := newHarness(t)
	h.heartbeat()
	h.health("bn-leloi-01", event.StatusOnline, "")
	ev := func(seq uint64, epoch string, st event.Status) *event.Event {
		return &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHealth, Site: site, Agent: agentID,
			Camera: "bn-leloi-01", Labels: labels["bn-leloi-01"], Time: time.Now(), Seq: seq, Epoch: epoch,
			Health: &event.Health{Status: st, Reason: event.ReasonRefused, Since: time.Now()}}
	}
	cam := func() *Camera { return h.eng.st.camera(site, "bn-leloi-01") }
	last := cam().Seq + 1
	if _, err := h.eng.Observe(ev(last, "spool-a", event.StatusOnline)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ev   *event.Event
		err  error
	}{
		{"a seq jump of 2^62", ev(1<<62, "spool-a", event.StatusOffline), ErrSeqJump},
		{"a late event (seq already passed)", ev(last, "spool-a", event.StatusOffline), nil},
		{"an epoch the agent never announced", ev(1, "wiped", event.StatusOffline), ErrEpoch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trs, err := h.eng.Observe(c.ev)
			if !errors.Is(err, c.err) || len(trs) != 0 {
				t.Fatalf("Observe = %v, %v; want %v and no transitions", trs, err, c.err)
			}
			if got := cam(); got.Status != event.StatusOnline || got.Seq != last {
				t.Errorf("camera moved: %s seq %d", got.Status, got.Seq)
			}
		})
	}
	t.Run("a new epoch after its heartbeat", func(t *testing.T) {
		hb := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat, Site: site, Agent: agentID,
			Time: time.Now(), Seq: 1, Epoch: "wiped", Heartbeat: &event.Heartbeat{Epoch: "wiped", IntervalS: 10}}
		if _, err := h.eng.Observe(hb); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.Observe(ev(1, "wiped", event.StatusOffline)); err != nil {
			t.Fatal(err)
		}
		if got := cam(); got.Status != event.StatusOffline || got.Seq != 1 || got.Epoch != "wiped" {
			t.Errorf("camera after the new epoch: %s seq %d epoch %q", got.Status, got.Seq, got.Epoch)
		}
	})
}

// TestTwoSitesSameCameraID: two sites that both have a camera
// "bn-leloi-01" keep their own state and alerts: the one that goes
// offline fires, with its site, and the other's online events change
// nothing of it.
func TestTwoSitesSameCameraID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		other := func(kind event.Kind, seq uint64) {
			e := &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: kind, Site: "q3-other", Agent: "edge-q3",
				Time: time.Now(), Seq: seq}
			if kind == event.KindHeartbeat {
				e.Heartbeat = &event.Heartbeat{Version: "test", Started: time.Now(), IntervalS: 10}
			} else {
				e.Camera, e.Labels = "bn-leloi-01", labels["bn-leloi-01"]
				e.Health = &event.Health{Status: event.StatusOnline, Since: time.Now()}
			}
			trs, err := h.eng.Observe(e)
			if err != nil {
				t.Fatal(err)
			}
			h.log = append(h.log, trs...)
		}
		h.heartbeat()
		other(event.KindHeartbeat, 1)
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		for i := range 6 {
			other(event.KindHealth, uint64(i+1))
			other(event.KindHeartbeat, uint64(i+2))
			h.run(10 * time.Second)
		}
		h.run(2 * time.Second)
		h.want("firing offline/bn-leloi-01")
		if got := h.log[0].Alert.Site; got != site {
			t.Errorf("the alert is for site %q, want %q", got, site)
		}
		if a, b := h.eng.st.camera(site, "bn-leloi-01"), h.eng.st.camera("q3-other", "bn-leloi-01"); a.Status != event.StatusOffline || b.Status != event.StatusOnline {
			t.Errorf("states: %s %s, want offline and online", a.Status, b.Status)
		}
	})
}

package alerts

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camwatch/camwatch/event"
)

// TestOfflineAndBackIsOneAlert: many offline events with changing reasons,
// many ticks, one recovery: exactly one firing and one resolution.
func TestOfflineAndBackIsOneAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("bn-leloi-01", event.StatusOnline, "")
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonStalled)
		went := time.Now()
		for _, r := range []event.Reason{event.ReasonRefused, event.ReasonTimeout, event.ReasonRefused} {
			h.run(30 * time.Second)
			h.health("bn-leloi-01", event.StatusOffline, r)
		}
		h.run(30 * time.Second)
		h.health("bn-leloi-01", event.StatusOnline, "")
		h.run(2 * time.Minute)
		h.want("firing offline/bn-leloi-01", "resolved offline/bn-leloi-01")
		fire, res := h.log[0], h.log[1]
		if d := fire.At.Sub(went); d < time.Minute || d > time.Minute+time.Second {
			t.Errorf("fired %s after going offline, want 1m", d)
		}
		if fire.Alert.ID != res.Alert.ID || fire.ID == res.ID {
			t.Errorf("ids: firing %s/%s, resolved %s/%s", fire.Alert.ID, fire.ID, res.Alert.ID, res.ID)
		}
		// Events counts the firing and the two reports that came after it.
		if res.Alert.Events != 3 || res.Alert.ResolvedBy != "condition" {
			t.Errorf("resolved alert = %+v, want 3 events resolved by condition", res.Alert)
		}
		if !slices.Equal(fire.Notify, []string{"tech"}) || !slices.Equal(res.Notify, []string{"tech"}) {
			t.Errorf("notify: firing %v, resolved %v", fire.Notify, res.Notify)
		}
	})
}

func TestOfflineForD(t *testing.T) {
	for _, tc := range []struct {
		name string
		down time.Duration
		want []string
	}{
		{"blip shorter than D", 59 * time.Second, []string{}},
		{"outage longer than D", 61 * time.Second, []string{"firing offline/bn-leloi-01", "resolved offline/bn-leloi-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.health("bn-leloi-01", event.StatusOnline, "")
				h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
				h.run(tc.down)
				h.health("bn-leloi-01", event.StatusOnline, "")
				h.run(time.Minute)
				h.want(tc.want...)
			})
		})
	}
}

func TestOfflineCameraOutsideRuleIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("ht42-gate", event.StatusOffline, event.ReasonRefused)
		h.run(3 * time.Minute)
		h.want()
	})
}

func TestFlapping(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every time.Duration
		want  []string
	}{
		{"four changes in a minute", 10 * time.Second, []string{"firing flapping/bn-leloi-02", "resolved flapping/bn-leloi-02"}},
		{"changes too far apart", 25 * time.Second, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.health("bn-leloi-02", event.StatusOnline, "")
				status := event.StatusOnline
				for range 4 {
					h.run(tc.every)
					status = map[event.Status]event.Status{event.StatusOnline: event.StatusOffline, event.StatusOffline: event.StatusOnline}[status]
					h.health("bn-leloi-02", status, "")
				}
				h.run(2 * time.Minute)
				h.want(tc.want...)
			})
		})
	}
}

func TestCooldownCountsFromLastSentNotification(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		outage := func() Transition {
			h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
			h.run(61 * time.Second)
			fire := h.last()
			h.health("bn-leloi-01", event.StatusOnline, "")
			if fire.Kind != TransitionFiring {
				t.Fatalf("last transition %s, want firing", fire.Kind)
			}
			return fire
		}
		h.health("bn-leloi-01", event.StatusOnline, "")
		first := outage()
		if len(first.Notify) != 1 {
			t.Fatalf("first firing not notified: %+v", first)
		}
		// Delivery failed: nothing was sent, so no cooldown applies.
		second := outage()
		if len(second.Notify) != 1 || second.Suppressed != "" {
			t.Errorf("second firing after an unsent first: notify %v, suppressed %q", second.Notify, second.Suppressed)
		}
		h.eng.Notified(second.Alert.Key, time.Now())
		third := outage()
		if len(third.Notify) != 0 || third.Suppressed != SuppressedCooldown {
			t.Errorf("third firing within cooldown: notify %v, suppressed %q", third.Notify, third.Suppressed)
		}
		if res := h.last(); res.Kind != TransitionResolved || len(res.Notify) != 0 || res.Suppressed != SuppressedQuiet {
			t.Errorf("resolution of an unnotified alert: %+v", res)
		}
		time.Sleep(10 * time.Minute)
		fourth := outage()
		if len(fourth.Notify) != 1 {
			t.Errorf("firing after the cooldown: notify %v, suppressed %q", fourth.Notify, fourth.Suppressed)
		}
	})
}

func TestEscalation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ackedAt time.Duration // 0: never
		want    []string
	}{
		{"unacknowledged escalates once", 0, []string{"firing offline/bn-leloi-01", "escalated offline/bn-leloi-01", "resolved offline/bn-leloi-01"}},
		{"acknowledged in time does not", 4 * time.Minute, []string{"firing offline/bn-leloi-01", "acknowledged offline/bn-leloi-01", "resolved offline/bn-leloi-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
				h.run(time.Minute)
				fire := h.last()
				if tc.ackedAt > 0 {
					h.run(tc.ackedAt)
					tr, err := h.eng.Acknowledge(fire.Alert.Key, "anh.tuan", "on my way")
					if err != nil {
						t.Fatal(err)
					}
					h.log = append(h.log, tr)
				}
				h.run(10*time.Minute - tc.ackedAt)
				h.health("bn-leloi-01", event.StatusOnline, "")
				h.want(tc.want...)
				for _, tr := range h.log {
					if tr.Kind != TransitionEscalated {
						continue
					}
					if d := tr.At.Sub(fire.At); d != 5*time.Minute {
						t.Errorf("escalated %s after firing, want 5m", d)
					}
					if !slices.Equal(tr.Notify, []string{"ward"}) {
						t.Errorf("escalation notifies %v", tr.Notify)
					}
				}
				if res := h.last(); tc.ackedAt == 0 && !slices.Equal(res.Notify, []string{"tech", "ward"}) {
					t.Errorf("resolution notifies %v, want everyone told", res.Notify)
				}
			})
		})
	}
}

// TestGateMotion: motion at the boarding-house gate alerts only 22:00 to
// 05:00 local time, only in the gate zone, above the score and duration,
// and a burst across zones is one alert.
func TestGateMotion(t *testing.T) {
	burst := func(h *harness, score float64, last time.Duration, zones ...string) {
		h.motion("ht42-gate", event.KindMotionStart, score, zones...)
		h.run(last)
		h.motion("ht42-gate", event.KindMotionEnd, score, zones...)
	}
	for _, tc := range []struct {
		name   string
		hh, mm int
		play   func(h *harness)
		want   []string
	}{
		{"evening before the window", 21, 50, func(h *harness) { burst(h, 0.8, 10*time.Second, "gate") }, []string{}},
		{"just after midnight", 0, 30, func(h *harness) { burst(h, 0.8, 10*time.Second, "gate") },
			[]string{"firing gate-night/ht42-gate", "resolved gate-night/ht42-gate"}},
		{"morning after the window", 5, 0, func(h *harness) { burst(h, 0.8, 10*time.Second, "gate") }, []string{}},
		{"too short", 23, 0, func(h *harness) { burst(h, 0.8, time.Second, "gate") }, []string{}},
		{"too faint", 23, 0, func(h *harness) { burst(h, 0.1, 10*time.Second, "gate") }, []string{}},
		{"other zone", 23, 0, func(h *harness) { burst(h, 0.8, 10*time.Second, "yard") }, []string{}},
		{"burst across zones is one alert", 23, 0, func(h *harness) {
			burst(h, 0.8, 5*time.Second, "gate")
			h.run(20 * time.Second)
			burst(h, 0.5, 5*time.Second, "yard")
			h.run(20 * time.Second)
			burst(h, 0.9, 5*time.Second, "gate", "yard")
		}, []string{"firing gate-night/ht42-gate", "resolved gate-night/ht42-gate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				h.runUntil(tc.hh, tc.mm)
				tc.play(h)
				h.run(2 * time.Minute)
				h.want(tc.want...)
				if len(h.log) == 2 && tc.name == "burst across zones is one alert" {
					if a := h.log[1].Alert; a.Events != 3 || !slices.Equal(a.Zones, []string{"gate", "yard"}) {
						t.Errorf("grouped alert: %d events, zones %v", a.Events, a.Zones)
					}
				}
			})
		})
	}
}

func TestDisarmedProgramRaisesNoMotion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.runUntil(23, 0)
		h.eng.Disarm("boarding-house-hem-42")
		h.motion("ht42-gate", event.KindMotionStart, 0.8, "gate")
		h.run(10 * time.Second)
		h.want()
		h.eng.Arm("boarding-house-hem-42")
		h.run(time.Second)
		h.want("firing gate-night/ht42-gate")
	})
}

// TestAgentLost: a silent agent raises one agent alert; its cameras become
// unknown, so their pending offline alert neither fires nor resolves.
func TestAgentLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.heartbeat()
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.silent = true
		h.run(30 * time.Second) // the agent is lost before the camera's 1m
		h.run(10 * time.Minute)
		h.silent = false
		h.heartbeat()
		h.want("firing agent-lost/agent:edge-01", "resolved agent-lost/agent:edge-01")
		if n := len(h.eng.Open()); n != 0 {
			t.Errorf("%d open alerts after the agent came back", n)
		}
		// The camera's state is known again only from its next report.
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.run(61 * time.Second)
		h.want("firing agent-lost/agent:edge-01", "resolved agent-lost/agent:edge-01", "firing offline/bn-leloi-01")
	})
}

// TestAgentLostKeepsCameraAlerts: an offline alert raised before the agent
// fell silent is neither resolved nor repeated while the camera is unknown.
func TestAgentLostKeepsCameraAlerts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.run(61 * time.Second)
		h.silent = true
		h.run(5 * time.Minute)
		h.want("firing offline/bn-leloi-01", "firing agent-lost/agent:edge-01", "escalated offline/bn-leloi-01")
		if n := len(h.eng.Open()); n != 2 {
			t.Errorf("%d open alerts, want the offline and the agent alert", n)
		}
	})
}

func TestLowFPS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("tdp7-alley-01", event.StatusOnline, "")
		h.stats("tdp7-alley-01", 15)
		h.stats("tdp7-alley-01", 3)
		h.run(29 * time.Second)
		h.stats("tdp7-alley-01", 2)
		h.run(2 * time.Second)
		h.stats("tdp7-alley-01", 12)
		h.want("firing slow/tdp7-alley-01", "resolved slow/tdp7-alley-01")
	})
}

func TestSilenceAndMaintenance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		add   func(e *Engine) (string, error)
		scope string
	}{
		{"silence by program", func(e *Engine) (string, error) {
			return e.AddSilence(Silence{ID: "night-works", Program: "ben-nghe-street-cameras", Start: time.Now(), End: time.Now().Add(time.Hour)})
		}, "silence:night-works"},
		{"maintenance of the camera", func(e *Engine) (string, error) {
			return e.AddMaintenance(Maintenance{ID: "pole-7", Camera: "bn-leloi-01", Start: time.Now(), End: time.Now().Add(time.Hour)})
		}, "maintenance:pole-7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t)
				if _, err := tc.add(h.eng); err != nil {
					t.Fatal(err)
				}
				h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
				h.run(10 * time.Minute)
				h.health("bn-leloi-01", event.StatusOnline, "")
				h.want("firing offline/bn-leloi-01", "escalated offline/bn-leloi-01", "resolved offline/bn-leloi-01")
				for _, tr := range h.log {
					if len(tr.Notify) != 0 {
						t.Errorf("%s notified %v during %s", tr.Kind, tr.Notify, tc.scope)
					}
				}
				if got := h.log[0].Suppressed; got != tc.scope {
					t.Errorf("firing suppressed by %q, want %q", got, tc.scope)
				}
				// After the window ends, alerts are notified again.
				time.Sleep(time.Hour)
				h.log = nil
				h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
				h.run(61 * time.Second)
				if tr := h.last(); tr.Kind != TransitionFiring || len(tr.Notify) != 1 {
					t.Errorf("after the window: %+v", tr)
				}
			})
		})
	}
}

func TestManualResolveAndAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.run(61 * time.Second)
		key := h.last().Alert.Key
		if _, err := h.eng.Acknowledge(key, "", ""); !errors.Is(err, ErrInput) {
			t.Errorf("ack without who: %v", err)
		}
		ack, err := h.eng.Acknowledge(key, "chi.lan", "ticket 42")
		if err != nil || ack.Alert.Ack == nil || ack.Alert.Ack.By != "chi.lan" || ack.Alert.State != StateAcknowledged {
			t.Fatalf("ack = %+v, %v", ack, err)
		}
		if _, err := h.eng.Acknowledge(key, "someone", ""); !errors.Is(err, ErrAcknowledged) {
			t.Errorf("second ack: %v", err)
		}
		res, err := h.eng.Resolve(key, "chi.lan", "camera replaced")
		if err != nil || res.Alert.ResolvedBy != "chi.lan" || res.Kind != TransitionResolved {
			t.Fatalf("resolve = %+v, %v", res, err)
		}
		if _, err := h.eng.Resolve(key, "chi.lan", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("second resolve: %v", err)
		}
		h.log = nil
		h.run(5 * time.Minute) // still offline: stays resolved
		h.want()
		h.health("bn-leloi-01", event.StatusOnline, "")
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.run(61 * time.Second) // a new outage fires again
		h.want("firing offline/bn-leloi-01")
	})
}

// TestStateRoundTrip: a replica that loads the stored state resolves the
// alert another one raised.
func TestStateRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.health("bn-leloi-01", event.StatusOffline, event.ReasonRefused)
		h.run(61 * time.Second)
		st, err := h.eng.State()
		if err != nil {
			t.Fatal(err)
		}
		h2 := newHarness(t)
		h2.eng = NewEngine(h.eng.rules, Options{State: st})
		h2.seq = h.seq // the agent's seqs go on
		h2.health("bn-leloi-01", event.StatusOnline, "")
		h2.want("resolved offline/bn-leloi-01")
		if h2.log[0].Alert.ID != h.log[0].Alert.ID {
			t.Errorf("alert id changed across replicas: %s vs %s", h2.log[0].Alert.ID, h.log[0].Alert.ID)
		}
	})
}

func TestBadEventsAreRefusedNotPanicked(t *testing.T) {
	eng := NewEngine(NewSet(nil), Options{})
	for _, tc := range []struct {
		name string
		ev   *event.Event
	}{
		{"nil", nil},
		{"health without payload", &event.Event{Kind: event.KindHealth, Site: "s", Agent: "a", Camera: "c"}},
		{"motion without payload", &event.Event{Kind: event.KindMotionStart, Site: "s", Agent: "a", Camera: "c"}},
		{"camera event without camera", &event.Event{Kind: event.KindStats, Site: "s", Agent: "a"}},
		{"unknown kind", &event.Event{Kind: "smoke", Site: "s", Agent: "a", Camera: "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := eng.Observe(tc.ev); !errors.Is(err, ErrEvent) {
				t.Errorf("err = %v, want ErrEvent", err)
			}
		})
	}
}

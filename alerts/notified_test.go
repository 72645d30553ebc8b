package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// transitions returns the transitions in the alerts stream of camera cam.
func (c *cluster) transitions(cam string) []Transition {
	c.t.Helper()
	ctx := context.Background()
	s, err := c.js.Stream(ctx, StreamName)
	if err != nil {
		c.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []Transition
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			c.t.Fatal(err)
		}
		var tr Transition
		if err := json.Unmarshal(m.Data, &tr); err != nil {
			c.t.Fatal(err)
		}
		if tr.Alert.Camera == cam {
			out = append(out, tr)
		}
	}
	return out
}

// waitTransitions waits until cam has n transitions and returns them.
func (c *cluster) waitTransitions(cam string, n int) []Transition {
	c.t.Helper()
	var trs []Transition
	testenv.Eventually(c.t, 10*time.Second, func() error {
		trs = c.transitions(cam)
		if len(trs) != n {
			return fmt.Errorf("%s has %d transitions, want %d", cam, len(trs), n)
		}
		return nil
	})
	return trs
}

// TestCooldownCountsFromNotificationsSent: the rule's cooldown (1m) holds
// back the second firing of a camera only when delivery reported the first
// notification as sent; a firing nobody was told about does not start it.
// Reporting the same send twice, or an older one later, changes nothing.
func TestCooldownCountsFromNotificationsSent(t *testing.T) {
	c := newCluster(t)
	r, _ := c.replica("a", false)
	ctx := context.Background()
	testenv.Eventually(t, 5*time.Second, func() error {
		if !r.Leading() {
			return errors.New("not leading yet")
		}
		return nil
	})
	tests := []struct {
		name, cam string
		// reports are the Notified calls made after the first firing,
		// as offsets from the firing's time.
		reports      []time.Duration
		wantNotify   bool
		wantLastSent time.Duration // offset stored; ignored without reports
	}{
		{"no notification sent", "cam-quiet", nil, true, 0},
		{"sent once", "cam-sent", []time.Duration{time.Second}, false, time.Second},
		{"sent twice, same time", "cam-twice", []time.Duration{time.Second, time.Second}, false, time.Second},
		{"older report after newer", "cam-late", []time.Duration{2 * time.Second, time.Second}, false, 2 * time.Second},
	}
	parent := c.t
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			t.Cleanup(func() { c.t = parent })
			c.health(tc.cam, event.StatusOnline)
			c.health(tc.cam, event.StatusOffline)
			first := c.waitTransitions(tc.cam, 1)[0]
			if first.Kind != TransitionFiring || len(first.Notify) != 1 {
				t.Fatalf("first transition %+v, want a notified firing", first)
			}
			key := first.Alert.Key
			for _, d := range tc.reports {
				if err := r.Notified(ctx, key, first.At.Add(d)); err != nil {
					t.Fatalf("Notified: %v", err)
				}
			}
			st, err := r.Store().Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last, ok := st.Engine.LastNotified[key]
			if ok != (len(tc.reports) > 0) || ok && !last.Equal(first.At.Add(tc.wantLastSent)) {
				t.Fatalf("stored last notification %v (%v), want %v", last, ok, first.At.Add(tc.wantLastSent))
			}
			c.health(tc.cam, event.StatusOnline)
			c.health(tc.cam, event.StatusOffline)
			trs := c.waitTransitions(tc.cam, 3)
			again := trs[2]
			if again.Kind != TransitionFiring {
				t.Fatalf("third transition %s, want firing", again.Kind)
			}
			if got := len(again.Notify) > 0; got != tc.wantNotify {
				t.Fatalf("second firing notifies %v (suppressed %q), want %v", again.Notify, again.Suppressed, tc.wantNotify)
			}
			if !tc.wantNotify && again.Suppressed != SuppressedCooldown {
				t.Fatalf("second firing suppressed %q, want %q", again.Suppressed, SuppressedCooldown)
			}
		})
	}
}

func TestNotifiedRefusesBadInput(t *testing.T) {
	c := newCluster(t)
	r, _ := c.replica("a", false)
	ctx := context.Background()
	testenv.Eventually(t, 5*time.Second, func() error {
		if !r.Leading() {
			return errors.New("not leading yet")
		}
		return nil
	})
	tests := []struct {
		name string
		key  string
		at   time.Time
	}{
		{"no key", "", time.Now()},
		{"no time", "cam-offline/q1/camera/cam-1", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.Notified(ctx, tc.key, tc.at); !errors.Is(err, ErrInput) {
				t.Fatalf("Notified(%q, %v) = %v, want ErrInput", tc.key, tc.at, err)
			}
		})
	}
}

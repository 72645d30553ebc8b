package camstate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// sample is one health or stats event of camera cam-1 in a degraded case.
type sample struct {
	kind   event.Kind
	min    int // minutes after t0
	status event.Status
	reason event.Reason
	fps    float64
}

func TestStoreDerivesDegraded(t *testing.T) {
	steady := func(from, to, step int, fps float64) []sample {
		var out []sample
		for m := from; m < to; m += step {
			out = append(out, sample{event.KindStats, m, event.StatusOnline, "", fps})
		}
		return out
	}
	join := func(parts ...[]sample) []sample {
		var out []sample
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	up := sample{event.KindHealth, 0, event.StatusOnline, "", 15}
	cases := []struct {
		name    string
		samples []sample
		// want lists the transitions as "<minute> <status> <reason>".
		want []string
	}{
		{"steady fps: no degraded", join([]sample{up}, steady(10, 600, 10, 15)), []string{"0 online "}},
		{"fps far below its normal, then back",
			join([]sample{up}, steady(10, 300, 10, 15), steady(300, 400, 10, 4), steady(400, 500, 10, 14)),
			[]string{"0 online ", "300 degraded low_fps", "400 online "}},
		{"fps a little low is not degraded",
			join([]sample{up}, steady(10, 300, 10, 15), steady(300, 400, 10, 9)), []string{"0 online "}},
		{"a stats tick before anything was measured is not low fps",
			join([]sample{up, {event.KindStats, 5, event.StatusOnline, "", 0}}, steady(10, 100, 10, 15)), []string{"0 online "}},
		{"below the floor from the start",
			join([]sample{up}, steady(10, 100, 10, 0.5)), []string{"0 online ", "10 degraded low_fps"}},
		{"frozen reported by a health event",
			[]sample{up, {event.KindHealth, 30, event.StatusOnline, "frozen", 15}, {event.KindHealth, 90, event.StatusOnline, "", 15}},
			[]string{"0 online ", "30 degraded frozen", "90 online "}},
		{"black on stats, degraded whatever the fps",
			join([]sample{up}, steady(10, 60, 10, 15), []sample{{event.KindStats, 60, event.StatusOnline, "black", 15}}, steady(70, 90, 10, 15)),
			[]string{"0 online ", "60 degraded black", "70 online "}},
		{"online but not watched (undecodable, no frames, no detector) is degraded",
			[]sample{up, {event.KindHealth, 30, event.StatusOnline, event.ReasonUndecodable, 15}, {event.KindHealth, 50, event.StatusOnline, "", 15},
				{event.KindHealth, 60, event.StatusOnline, event.ReasonNoFrames, 0}, {event.KindHealth, 70, event.StatusOnline, event.ReasonDetectionUnavailable, 15}},
			[]string{"0 online ", "30 degraded undecodable", "50 online ", "60 degraded no_frames", "70 degraded detection_unavailable"}},
		{"a scene change is not degraded",
			[]sample{up, {event.KindHealth, 30, event.StatusOnline, "scene_change", 15}}, []string{"0 online ", "30 online scene_change"}},
		{"stats of an offline camera change nothing",
			[]sample{up, {event.KindHealth, 30, event.StatusOffline, "stalled", 0}, {event.KindStats, 40, event.StatusOffline, "stalled", 0}},
			[]string{"0 online ", "30 offline stalled"}},
		{"low fps while offline is not a way back",
			[]sample{up, {event.KindHealth, 30, event.StatusOffline, "stalled", 0}, {event.KindStats, 40, event.StatusOnline, "", 0.2}},
			[]string{"0 online ", "30 offline stalled"}},
	}
	for _, b := range backends {
		for _, c := range cases {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				rdb, prefix := b.open(t)
				ctx := context.Background()
				s := New(rdb, Options{Prefix: prefix, Now: fixedClock(t0.Add(24 * time.Hour))})
				for i, sm := range c.samples {
					e := mk(sm.kind, "cam-1", uint64(i+1), t0)
					at := t0.Add(time.Duration(sm.min) * time.Minute)
					e.Time = at
					e.Health.Status, e.Health.Reason, e.Health.FPS, e.Health.Since = sm.status, sm.reason, sm.fps, at
					mustApply(t, s, e)
				}
				tr, err := s.Transitions(ctx, q1("cam-1"), t0, t0.Add(24*time.Hour), 100)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]string, len(tr))
				for i, x := range tr {
					got[i] = fmt.Sprintf("%d %s %s", int(x.Since.Sub(t0).Minutes()), x.Status, x.Reason)
				}
				if strings.Join(got, "|") != strings.Join(c.want, "|") {
					t.Errorf("transitions = %q, want %q", got, c.want)
				}
			})
		}
	}
}

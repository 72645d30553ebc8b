package demo

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// TestGeneratedHistory: a camera's generated month starts online 30 days
// before its end, alternates offline (with a reason) and online, ends
// online before the end, is the same every run, and the flaky camera's
// has many more outages.
func TestGeneratedHistory(t *testing.T) {
	end := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		id         string
		flaky      bool
		minOutages int
		maxOutages int
	}{
		{"bn-leloi-01", false, 8, 18},
		{"tdp7-alley-02", true, 35, 43},
	} {
		t.Run(tc.id, func(t *testing.T) {
			h := generatedHistory(tc.id, tc.flaky, end)
			if !slices.EqualFunc(h, generatedHistory(tc.id, tc.flaky, end), func(a, b camstate.StatusChange) bool { return a == b }) {
				t.Error("not the same twice")
			}
			if !h[0].Since.Equal(end.Add(-HistoryDays*24*time.Hour)) || h[0].Status != "online" || h[len(h)-1].Status != "online" {
				t.Fatalf("starts %+v, ends %+v", h[0], h[len(h)-1])
			}
			for i := 1; i < len(h); i++ {
				want := map[bool]string{true: "offline", false: "online"}[i%2 == 1]
				if !h[i].Since.After(h[i-1].Since) || !h[i].Since.Before(end) || h[i].Status != want || (want == "offline") != (h[i].Reason != "") || h[i].Seq != 0 {
					t.Fatalf("change %d %+v after %+v", i, h[i], h[i-1])
				}
			}
			if n := len(h) / 2; n < tc.minOutages || n > tc.maxOutages {
				t.Errorf("%d outages, want %d to %d", n, tc.minOutages, tc.maxOutages)
			}
		})
	}
}

// TestSeedHistoryFillsTheMonth: on the real Redis, once the agent has
// reported the demo's cameras, the seeding puts the month in front of
// their real history: a 30-day uptime report has a rated bar for every
// day, below 100 % for the flaky camera, while the cameras' live state
// stays as reported.
func TestSeedHistoryFillsTheMonth(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	store := camstate.New(rdb, camstate.Options{Prefix: prefix})
	now := time.Now()
	end := now.Add(-time.Minute)
	refs := []event.CameraRef{{Site: "q1", Camera: "bn-leloi-01"}, {Site: "q1", Camera: "tdp7-alley-02"}}
	rules, err := alerts.LoadFile("../configs/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	astore := alerts.NewStore(rdb, prefix, 0)
	done := make(chan error, 1)
	go func() {
		done <- seedHistory(ctx, store, astore, rules, refs, map[string]bool{"tdp7-alley-02": true}, end, 20*time.Second, slog.New(slog.DiscardHandler))
	}()
	// The agent reports after the seeding began waiting.
	var evs []*event.Event
	for i, r := range refs {
		evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHealth, Site: r.Site, Agent: "edge-1",
			Camera: r.Camera, Time: now, Seq: 1, Labels: event.Labels{Program: []string{"ben-nghe-street-cameras", "5plus1-to-dan-pho-7"}[i], Ward: "ben-nghe"},
			Health: &event.Health{Status: event.StatusOnline, Since: now, LastFrameAgeMS: 40}})
	}
	evs = append(evs, &event.Event{Schema: event.SchemaVersion, ID: event.NewID(), Kind: event.KindHeartbeat, Site: "q1", Agent: "edge-1", Time: now, Seq: 1,
		Heartbeat: &event.Heartbeat{Version: "test", Started: now, IntervalS: 10, Cameras: 2, Online: 2}})
	if res, err := store.Apply(ctx, evs); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	src := uptime.NewSource(store, uptime.SourceOptions{})
	w := uptime.Span{From: end.Add(-HistoryDays * 24 * time.Hour), To: now}
	h, err := src.History(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := uptime.Compute(h, uptime.Options{Window: w, Now: now, GroupBy: uptime.GroupProgram, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 {
		t.Fatalf("groups %+v", rep.Groups)
	}
	for _, g := range rep.Groups {
		rated := 0
		for _, d := range g.Daily {
			if d.Rated {
				rated++
			}
		}
		if rated < HistoryDays {
			t.Errorf("%s: %d rated days of %d, want every day of the month", g.Key, rated, len(g.Daily))
		}
		if g.Key == "5plus1-to-dan-pho-7" && g.UptimePercent > 99 {
			t.Errorf("the flaky camera's program at %.2f %%, want its outages counted", g.UptimePercent)
		}
	}
	c, err := store.Camera(ctx, refs[1])
	if err != nil || c.Reported != event.StatusOnline || c.LastSeq != 1 {
		t.Errorf("live state after seeding: %+v %v", c, err)
	}
	// The alerts the shipped rules would have raised: both programs have
	// some, each resolved, some acknowledged, none in the open index.
	trs, err := astore.History(ctx, w.From, now)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[alerts.TransitionKind]int{}
	for _, tr := range trs {
		p := tr.Alert.Labels.Program
		if kinds[p] == nil {
			kinds[p] = map[alerts.TransitionKind]int{}
		}
		kinds[p][tr.Kind]++
	}
	for _, p := range []string{"ben-nghe-street-cameras", "5plus1-to-dan-pho-7"} {
		k := kinds[p]
		if k[alerts.TransitionFiring] == 0 || k[alerts.TransitionResolved] != k[alerts.TransitionFiring] || k[alerts.TransitionAcknowledged] == 0 {
			t.Errorf("%s: generated alert transitions %v", p, k)
		}
	}
	if open, err := astore.Open(ctx); err != nil || len(open) != 0 {
		t.Errorf("open alerts after seeding: %d %v", len(open), err)
	}
}

// TestGeneratedAlerts: every generated outage at least as long as the
// matching rule's "for" fires then, is resolved when the camera is back,
// and when acknowledged, before that; shorter ones raise nothing.
func TestGeneratedAlerts(t *testing.T) {
	rules, err := alerts.LoadFile("../configs/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	c := &camstate.Camera{Site: "hcm-q1", ID: "bn-leloi-01", Agent: "edge-1", Labels: event.Labels{Program: "ben-nghe-street-cameras", Ward: "ben-nghe"}}
	changes := generatedHistory(c.ID, false, end)
	trs := generatedAlerts(c, changes, rules)
	fired, acked := 0, 0
	byAlert := map[string][]alerts.Transition{}
	for _, tr := range trs {
		byAlert[tr.Alert.ID] = append(byAlert[tr.Alert.ID], tr)
	}
	for i := 1; i+1 < len(changes); i += 2 {
		down, up := changes[i], changes[i+1]
		id := "generated-bn-leloi-01-" + fmt.Sprint(down.Since.Add(2*time.Minute).UnixMilli())
		steps := byAlert[id]
		if up.Since.Sub(down.Since) <= 2*time.Minute {
			if len(steps) != 0 {
				t.Errorf("a %s outage raised %v", up.Since.Sub(down.Since), steps)
			}
			continue
		}
		fired++
		if len(steps) < 2 || steps[0].Kind != alerts.TransitionFiring || steps[len(steps)-1].Kind != alerts.TransitionResolved ||
			!steps[len(steps)-1].At.Equal(up.Since) || steps[0].Alert.Rule != "street-offline" {
			t.Fatalf("outage %v..%v: %+v", down.Since, up.Since, steps)
		}
		if len(steps) == 3 {
			acked++
			if a := steps[1]; a.Kind != alerts.TransitionAcknowledged || !a.At.After(steps[0].At) || !a.At.Before(up.Since) || a.Alert.Ack == nil {
				t.Errorf("acknowledgement %+v", a)
			}
		}
	}
	if fired == 0 || acked == 0 || acked == fired {
		t.Errorf("%d fired, %d acknowledged: want some of each, not all acknowledged", fired, acked)
	}
	if other := generatedAlerts(&camstate.Camera{Site: "hcm-q1", ID: "x", Labels: event.Labels{Program: "no-rule-here"}}, changes, rules); len(other) != 0 {
		t.Errorf("a camera no offline rule matches: %d transitions", len(other))
	}
}

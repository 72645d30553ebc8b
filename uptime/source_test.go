package uptime

import (
	"context"
	"errors"
	"github.com/camwatch/camwatch/camstate"
	"reflect"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// genEnd is the end of every generated history in these tests, in UTC like
// the times read back from Redis.
var genEnd = time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)

// TestSourceEqualsMemory writes a synthetic city into real Redis, reads it
// back for several windows and groupings, and requires the report to equal
// the one computed from the history in memory.
func TestSourceEqualsMemory(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	hist, err := Generate(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), GenerateOptions{Cameras: 300, Programs: 7, Days: 40, CamerasPerAgent: 50, End: genEnd, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{Now: func() time.Time { return genEnd }})
	for _, tc := range []struct {
		name  string
		group Group
		w     Span
	}{
		{"last 7 days by program", GroupProgram, Span{genEnd.Add(-7 * 24 * time.Hour), genEnd}},
		{"30 days by agent", GroupAgent, Span{genEnd.Add(-30 * 24 * time.Hour), genEnd}},
		{"a day in the past by ward", GroupWard, Span{genEnd.Add(-20 * 24 * time.Hour), genEnd.Add(-19 * 24 * time.Hour)}},
		{"window reaching before the history", GroupVendor, Span{genEnd.Add(-60 * 24 * time.Hour), genEnd.Add(-35 * 24 * time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Window: tc.w, GroupBy: tc.group, Location: ict, DefaultTarget: 99.5}
			want, err := Compute(hist, opts)
			if err != nil {
				t.Fatal(err)
			}
			h, err := src.History(ctx, tc.w)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Compute(h, opts)
			if err != nil {
				t.Fatal(err)
			}
			if want.All.Outages == 0 || !want.All.Rated {
				t.Fatalf("synthetic history has no outages in the window: %+v", want.All)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("report from Redis differs:\n got %+v\nwant %+v", got.All, want.All)
			}
		})
	}
}

// TestSourceLiveness covers what only the Redis reader decides: the state
// at the window's start, an agent still silent, a camera gone silent
// while its agent lives on, and a damaged member.
func TestSourceLiveness(t *testing.T) {
	now := genEnd
	w := Span{now.Add(-4 * h), now}
	ctx := context.Background()
	cam := func(id, agent string, ts ...Transition) Camera {
		return Camera{ID: id, Agent: agent, Labels: event.Labels{Program: "p"}, Transitions: ts}
	}
	for _, tc := range []struct {
		name  string
		hist  *History
		setup func(cams []camstate.CameraHistory, agents []camstate.AgentHistory)
		want  Totals
		skip  int
	}{
		{
			name: "state at from is the last transition before it",
			hist: &History{Cameras: []Camera{cam("c1", "e1",
				tr(now.Add(-30*h), 1, Online, ""), tr(now.Add(-6*h), 2, Offline, "timeout"), tr(now.Add(-3*h), 3, Online, ""))}},
			want: Totals{Monitored: 4 * h, Offline: h, Online: 3 * h},
		},
		{
			name: "agent silent since 1h: unknown from last heartbeat + timeout",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))}},
			setup: func(cams []camstate.CameraHistory, agents []camstate.AgentHistory) {
				agents[0].LastHeartbeat = now.Add(-time.Hour - 30*time.Second)
			},
			want: Totals{Monitored: 4 * h, Online: 3 * h, Unknown: h},
		},
		{
			name: "recorded agent gap inside the window",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))},
				AgentLost: map[string][]Span{"e1": {{now.Add(-2 * h), now.Add(-90 * time.Minute)}, {now.Add(-50 * h), now.Add(-49 * h)}}}},
			want: Totals{Monitored: 4 * h, Online: 4*h - 30*time.Minute, Unknown: 30 * time.Minute},
		},
		{
			name: "camera silent for 2h while its agent reports: removed at its last event",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))}},
			setup: func(cams []camstate.CameraHistory, agents []camstate.AgentHistory) {
				cams[0].LastEvent = now.Add(-2 * h)
			},
			want: Totals{Monitored: 2 * h, Online: 2 * h},
		},
		{
			name: "camera silent for 5 min while its agent reports: unknown from its last event",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))}},
			setup: func(cams []camstate.CameraHistory, agents []camstate.AgentHistory) {
				cams[0].LastEvent = now.Add(-5 * time.Minute)
			},
			want: Totals{Monitored: 4 * h, Online: 4*h - 5*time.Minute, Unknown: 5 * time.Minute},
		},
		{
			name: "camera quiet for 1 min (a stats interval or two): its state holds",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))}},
			setup: func(cams []camstate.CameraHistory, agents []camstate.AgentHistory) {
				cams[0].LastEvent = now.Add(-time.Minute)
			},
			want: Totals{Monitored: 4 * h, Online: 4 * h},
		},
		{
			name: "damaged transition member is skipped and counted",
			hist: &History{Cameras: []Camera{cam("c1", "e1", tr(now.Add(-30*h), 1, Online, ""))}},
			setup: func(cams []camstate.CameraHistory, agents []camstate.AgentHistory) {
				cams[0].Changes = append(cams[0].Changes, camstate.StatusChange{Since: now.Add(-h), Seq: 9, Status: "damaged"})
			},
			want: Totals{Monitored: 4 * h, Online: 4 * h},
			skip: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb, prefix := testenv.Redis(t)
			cams, agents := toStore("q1", now, tc.hist)
			if tc.setup != nil {
				tc.setup(cams, agents)
			}
			if err := camstate.New(rdb, camstate.Options{Prefix: prefix}).WriteHistory(ctx, "q1", cams, agents); err != nil {
				t.Fatal(err)
			}
			src := NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{Now: func() time.Time { return now }})
			hist, err := src.History(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Compute(hist, Options{Window: w, Now: now, GroupBy: GroupCamera, Location: ict})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Cameras) != 1 {
				t.Fatalf("cameras = %d, want 1", len(r.Cameras))
			}
			if got := r.Cameras[0].Totals; got != tc.want {
				t.Errorf("totals = %+v, want %+v", got, tc.want)
			}
			if r.Skipped.Transitions != tc.skip {
				t.Errorf("skipped transitions = %d, want %d", r.Skipped.Transitions, tc.skip)
			}
		})
	}
}

func TestSourceCamera(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	hist, err := Generate(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), GenerateOptions{Cameras: 20, Programs: 2, Days: 10, End: genEnd, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{Now: func() time.Time { return genEnd }})
	w := Span{genEnd.Add(-7 * 24 * h), genEnd}
	one, err := src.Camera(ctx, event.CameraRef{Site: "hcmc", Camera: "cam-00005"}, w)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Compute(one, Options{Window: w, GroupBy: GroupCamera, Location: ict})
	mem := &History{Cameras: []Camera{hist.Cameras[5]}, AgentLost: hist.AgentLost}
	want, _ := Compute(mem, Options{Window: w, GroupBy: GroupCamera, Location: ict})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("one camera from Redis = %+v, want %+v", got.All, want.All)
	}
	if _, err := src.Camera(ctx, event.CameraRef{Site: "hcmc", Camera: "cam-99999"}, w); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown camera: err = %v, want ErrNotFound", err)
	}
}

package uptime

import (
	"context"
	"errors"
	"github.com/camwatch/camwatch/camstate"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// TestSourceMaintenance records windows as the API does and requires the
// report to exclude their time: per camera, per program, another
// program's and one long ended, plus a damaged entry skipped.
func TestSourceMaintenance(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	now := genEnd
	w := Span{now.Add(-4 * h), now}
	hist := &History{Cameras: []Camera{{ID: "c1", Agent: "e1", Labels: event.Labels{Program: "p"},
		Transitions: []Transition{tr(now.Add(-30*h), 1, Online, "")}}}}
	if err := Write(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), "q1", now, hist); err != nil {
		t.Fatal(err)
	}
	src := NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), SourceOptions{Now: func() time.Time { return now }})
	for _, p := range []Planned{
		{ID: "cam", Camera: "c1", Start: now.Add(-3 * h), End: now.Add(-2 * h), Note: "new lens"},
		{ID: "prog", Program: "p", Start: now.Add(-90 * time.Minute), End: now.Add(-80 * time.Minute)},
		{ID: "other", Program: "q", Start: now.Add(-3 * h), End: now},
		{ID: "old", Camera: "c1", Start: now.Add(-10 * h), End: now.Add(-9 * h)},
		{ID: "gone", Camera: "c1", Start: now.Add(-h), End: now},
	} {
		if err := src.RecordMaintenance(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := src.DeleteMaintenance(ctx, "gone"); !ok || err != nil {
		t.Fatalf("delete = %v, %v", ok, err)
	}
	if ok, _ := src.DeleteMaintenance(ctx, "gone"); ok {
		t.Error("deleting twice found the window")
	}
	if err := rdb.HSet(ctx, prefix+":maintenance", "bad", "{nope").Err(); err != nil {
		t.Fatal(err)
	}
	list, bad, err := src.Maintenance(ctx)
	if err != nil || len(list) != 4 || bad != 1 || list[0].ID != "old" || list[1].Note != "new lens" {
		t.Fatalf("list = %+v, bad %d, %v", list, bad, err)
	}
	got, err := src.History(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(got, Options{Window: w, GroupBy: GroupCamera, Location: ict})
	if err != nil {
		t.Fatal(err)
	}
	want := Totals{Monitored: 4 * h, Online: 4*h - 70*time.Minute, Maintenance: 70 * time.Minute}
	if len(r.Cameras) != 1 || r.Cameras[0].Totals != want {
		t.Errorf("report = %+v, want totals %+v", r.Cameras, want)
	}
}

func TestPlannedCheck(t *testing.T) {
	at := genEnd
	for _, tc := range []struct {
		name string
		p    Planned
		ok   bool
	}{
		{"camera", Planned{ID: "a", Camera: "c1", Start: at, End: at.Add(h)}, true},
		{"program", Planned{ID: "a", Program: "p", Start: at, End: at.Add(h)}, true},
		{"no id", Planned{Camera: "c1", Start: at, End: at.Add(h)}, false},
		{"neither camera nor program", Planned{ID: "a", Start: at, End: at.Add(h)}, false},
		{"ends before it starts", Planned{ID: "a", Camera: "c1", Start: at, End: at.Add(-h)}, false},
		{"empty", Planned{ID: "a", Camera: "c1", Start: at, End: at}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrMaintenance)) {
				t.Errorf("Check = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

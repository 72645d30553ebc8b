package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// TestTimelineMergesTheLog: the API's event list has the stats events
// Redis keeps only as roll-ups, read back from the events stream, merged
// in time order with the kinds Redis keeps, newest limit first cut.
func TestTimelineMergesTheLog(t *testing.T) {
	r := newRig(t)
	in := r.start(r.rdb, nil)
	base := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	for i := uint64(1); i <= 40; i++ {
		k := event.KindStats
		if i%10 == 0 {
			k = event.KindMotionStart
		}
		r.publish(mk(k, "cam-t", i, base))
	}
	r.publish(mk(event.KindStats, "cam-other", 1, base))
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-t") != 40, "stored %d", r.stored(in.store, "cam-t"))
	})
	tl := Timeline{Store: in.store, Log: &Log{JS: r.js, Stream: r.stream}}
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		kinds    []event.Kind
		from     time.Time
		limit    int
		want     int
		firstSeq uint64
	}{
		{"all kinds", nil, base, 100, 40, 1},
		{"stats only", []event.Kind{event.KindStats}, base, 100, 36, 1},
		{"motion only (Redis)", []event.Kind{event.KindMotionStart}, base, 100, 4, 10},
		{"limit keeps newest", nil, base, 5, 5, 36},
		{"from cuts", nil, base.Add(31 * time.Second), 100, 10, 31},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tl.Events(ctx, event.CameraRef{Site: "q1", Camera: "cam-t"}, tc.from, time.Now(), tc.kinds, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("%d events, want %d", len(got), tc.want)
			}
			for i, e := range got {
				if e.Camera != "cam-t" || e.Site != "q1" || e.Agent != "edge-1" || (len(tc.kinds) > 0 && e.Kind != tc.kinds[0]) {
					t.Fatalf("event %d = %s/%s/%s %s", i, e.Site, e.Agent, e.Camera, e.Kind)
				}
				if i > 0 && e.Seq <= got[i-1].Seq {
					t.Fatalf("event %d: seq %d after %d", i, e.Seq, got[i-1].Seq)
				}
			}
			if got[0].Seq != tc.firstSeq {
				t.Errorf("first seq %d, want %d", got[0].Seq, tc.firstSeq)
			}
		})
	}
}

// TestTimelineListsLateEvents: a camera's events its edge spooled through
// an uplink outage reach the stream hours after they happened; the list
// of that past window still has them (the read goes on past the window
// until the camera was heard from after it).
func TestTimelineListsLateEvents(t *testing.T) {
	r := newRig(t)
	in := r.start(r.rdb, nil)
	then := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	r.publish(mk(event.KindMotionStart, "cam-late", 1, then)) // published now, two hours late
	r.publish(mk(event.KindStats, "cam-late", 2, time.Now()))
	testenv.Eventually(t, 10*time.Second, func() error {
		return errIf(r.stored(in.store, "cam-late") != 2, "stored %d", r.stored(in.store, "cam-late"))
	})
	tl := Timeline{Store: in.store, Log: &Log{JS: r.js, Stream: r.stream}}
	got, err := tl.Events(context.Background(), event.CameraRef{Site: "q1", Camera: "cam-late"}, then.Add(-time.Minute), then.Add(time.Minute), nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("the window lists %d events, want the late motion", len(got))
	}
}

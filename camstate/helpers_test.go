package camstate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// backends runs a store test against the real Redis, the shared
// three-master Redis Cluster (the layout must work unchanged on both) and
// miniredis, since the demo may run on it.
var backends = []struct {
	name string
	open func(t *testing.T) (redis.UniversalClient, string)
}{
	{"redis", func(t *testing.T) (redis.UniversalClient, string) { return testenv.Redis(t) }},
	{"cluster", func(t *testing.T) (redis.UniversalClient, string) { return testenv.SharedRedisCluster(t) }},
	{"miniredis", func(t *testing.T) (redis.UniversalClient, string) {
		m := miniredis.RunT(t)
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		t.Cleanup(func() { c.Close() })
		return c, "camwatch"
	}},
}

var t0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// mk builds a valid event of kind k for camera cam with sequence seq,
// seq seconds after base.
func mk(k event.Kind, cam string, seq uint64, base time.Time) *event.Event {
	e := &event.Event{
		Schema: event.SchemaVersion, ID: event.NewID(), Kind: k, Site: "q1", Agent: "edge-1",
		Camera: cam, Labels: event.Labels{Program: "ward", Ward: "Ben Nghe"},
		Time: base.Add(time.Duration(seq) * time.Second), Seq: seq,
	}
	switch k {
	case event.KindHealth, event.KindStats:
		e.Health = &event.Health{Status: event.StatusOnline, Since: base, Codec: "h264", Width: 640, Height: 360, FPS: 15, BitrateKbps: 512, LastFrameAgeMS: 40}
	case event.KindMotionStart, event.KindMotionEnd:
		e.Motion = &event.Motion{Detector: "compressed", Score: 0.7, Started: e.Time}
	case event.KindHeartbeat:
		e.Camera = ""
		e.Heartbeat = &event.Heartbeat{Version: "test", Started: base, IntervalS: 5, Cameras: 1, Online: 1}
	}
	return e
}

func offline(e *event.Event, r event.Reason) *event.Event {
	e.Health.Status, e.Health.Reason, e.Health.Since = event.StatusOffline, r, e.Time
	return e
}

func mustApply(t *testing.T, s *Store, evs ...*event.Event) []Outcome {
	t.Helper()
	res, err := s.Apply(context.Background(), evs)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	out := make([]Outcome, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("apply event %d: %v", i, r.Err)
		}
		out[i] = r.Outcome
	}
	return out
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func sameOutcomes(got, want []Outcome) error {
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("outcomes %v, want %v", got, want)
	}
	return nil
}

// q1 is the reference of camera cam at site q1, where mk files events.
func q1(cam string) event.CameraRef { return event.CameraRef{Site: "q1", Camera: cam} }

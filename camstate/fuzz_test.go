package camstate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

// FuzzApplyAdversarial runs the Lua apply path in a real Redis with an
// adversarial event after an honest history (seq 1 to 3 from t0, spool
// epoch "a", announced): any seq, any time offset, any epoch. Whatever it
// claims, Apply answers without error, the camera's seq never moves by
// more than the bound, and no status change lands before the camera's
// first event. Seeds: testdata/fuzz/FuzzApplyAdversarial.
func FuzzApplyAdversarial(f *testing.F) {
	rdb, prefix := testenv.Redis(f)
	s := New(rdb, Options{Prefix: prefix, MaxSeqAdvance: 1000, Now: fixedClock(t0.Add(time.Hour))})
	f.Add(uint64(1)<<62, int64(0), uint8(0))
	f.Add(uint64(2), int64(-3*3600), uint8(0))
	f.Add(uint64(1), int64(600), uint8(1))
	f.Add(uint64(1), int64(600), uint8(2))
	f.Add(uint64(1003), int64(-1), uint8(0))
	n := 0
	f.Fuzz(func(t *testing.T, seq uint64, offsetS int64, epoch uint8) {
		if seq == 0 || seq > 1<<63 || offsetS < -400*24*3600 || offsetS > 24*3600 {
			t.Skip() // Decode refuses these before Apply sees them
		}
		n++
		cam := fmt.Sprintf("fz-%d", n)
		ctx := context.Background()
		var honest []*event.Event
		hb := mk(event.KindHeartbeat, "", 1, t0)
		hb.Agent, hb.Epoch, hb.Heartbeat.Epoch = cam, "a", "a"
		honest = append(honest, hb)
		for i := uint64(1); i <= 3; i++ {
			e := mk(event.KindHealth, cam, i, t0)
			e.Agent, e.Epoch = cam, "a"
			honest = append(honest, e)
		}
		if _, err := s.Apply(ctx, honest); err != nil {
			t.Fatal(err)
		}
		ev := offline(mk(event.KindHealth, cam, seq, t0), event.ReasonTimeout)
		ev.Agent, ev.Time = cam, t0.Add(time.Duration(offsetS)*time.Second)
		ev.Health.Since = ev.Time
		ev.Epoch = []string{"a", "b", ""}[int(epoch)%3]
		res, err := s.Apply(ctx, []*event.Event{ev})
		if err != nil || res[0].Err != nil {
			t.Fatalf("Apply: %v %v", err, res[0].Err)
		}
		c, err := s.Camera(ctx, q1(cam))
		if err != nil {
			t.Fatal(err)
		}
		if c.LastSeq > 3+1000 {
			t.Fatalf("seq moved to %d (outcome %s)", c.LastSeq, res[0].Outcome)
		}
		if ev.Epoch == "b" && res[0].Outcome != OutcomeUnannounced {
			t.Fatalf("unannounced epoch: outcome %s", res[0].Outcome)
		}
		trs, err := s.Transitions(ctx, q1(cam), time.Unix(0, 0), t0.Add(48*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		first := t0.Add(time.Second) // the first honest event
		for _, tr := range trs {
			if tr.Time.Before(first) {
				t.Fatalf("a status change at %s, before the camera's first event at %s (outcome %s)", tr.Time, first, res[0].Outcome)
			}
		}
	})
}

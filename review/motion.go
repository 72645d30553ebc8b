package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamMotion reads motion starts from the events stream (JetStream holds
// what Redis keeps only for days): an ordered consumer from the period's
// start on the motion.start subjects, read until the period's end.
type StreamMotion struct {
	JS     jetstream.JetStream
	Stream string
	// Max bounds the events read (default 2,000,000), so one report
	// cannot read without end.
	Max int
}

// MotionStarts returns the motion starts in [from, to) and where the
// stream's record begins (zero when it covers from).
func (m *StreamMotion) MotionStarts(ctx context.Context, from, to time.Time) ([]MotionStart, time.Time, error) {
	st, err := m.JS.Stream(ctx, m.Stream)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("review: motion: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("review: motion: %w", err)
	}
	var begins time.Time
	if info.State.FirstTime.After(from) {
		begins = info.State.FirstTime
	}
	if info.State.Msgs == 0 || !info.State.LastTime.After(from) {
		return nil, begins, nil
	}
	limit := m.Max
	if limit <= 0 {
		limit = 2_000_000
	}
	cons, release, err := streamread.Open(ctx, m.JS, m.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{event.EventsSubjectRoot + ".*.*.*." + string(event.KindMotionStart)},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &from,
	})
	if err != nil {
		return nil, begins, fmt.Errorf("review: motion: %w", err)
	}
	defer release()
	var out []MotionStart
	for n := 0; n < limit; {
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return out, begins, fmt.Errorf("review: motion: %w", err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			n++
			var e event.Event
			if json.Unmarshal(msg.Data(), &e) != nil || e.Kind != event.KindMotionStart || !event.ValidToken(e.Camera) {
				continue
			}
			if !e.Time.Before(to) {
				return out, begins, nil
			}
			if !e.Time.Before(from) {
				out = append(out, MotionStart{Camera: e.Camera, At: e.Time, Site: e.Site})
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return out, begins, fmt.Errorf("review: motion: %w", err)
		}
		if got == 0 {
			return out, begins, nil // read to the end
		}
	}
	return out, begins, nil
}

package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"slices"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
)

// Log pages a camera's events out of the events stream, the durable
// record: what Redis does not keep one by one (stats events, rolled up
// per minute there). Only messages whose content matches their subject
// are returned, as the consumer admits them.
type Log struct {
	JS     jetstream.JetStream
	Stream string
	// MaxSkew is how far an event's time may be from the time the stream
	// stored it; the read starts that long before from and stops that
	// long after to. Default event.DefaultMaxSkew.
	MaxSkew time.Duration
}

// logScanCap bounds the messages one read looks at, so a query over a
// busy camera and a long range cannot run away.
const logScanCap = 100000

// Events returns the newest limit events of camera (at its site) of the given kinds
// (at least one) with from <= time <= to, oldest first.
func (l *Log) Events(ctx context.Context, camera event.CameraRef, from, to time.Time, kinds []event.Kind, limit int) ([]*event.Event, error) {
	if limit <= 0 || len(kinds) == 0 {
		return nil, nil
	}
	skew := cmp.Or(l.MaxSkew, event.DefaultMaxSkew)
	subjects := make([]string, len(kinds))
	for i, k := range kinds {
		// The site is in the filter: another site's camera of the same
		// id is another camera.
		subjects[i] = event.EventsSubjectRoot + "." + camera.Site + ".*." + camera.Camera + "." + string(k)
	}
	cons, release, err := streamread.Open(ctx, l.JS, l.Stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects, DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime: ptr(from.Add(-skew)),
	})
	if err != nil {
		return nil, fmt.Errorf("events log %s: %w", camera, err)
	}
	defer release()
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("events log %s: %w", camera, err)
	}
	if info.NumPending == 0 {
		return nil, nil
	}
	var out []*event.Event
	// Past the window, read on until the camera was heard from after it:
	// what its edge spooled through an outage comes late (event.LateWatch).
	late, past := event.NewLateWatch(1), false
	for scanned := 0; scanned < logScanCap; {
		batch, err := cons.Fetch(512, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("events log %s: %w", camera, err)
		}
		n, done := 0, false
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			if md.Timestamp.After(to.Add(skew)) {
				past = true
			}
			// What the ingester refuses (its subject, its date) is never
			// listed, whatever seq it names.
			if e, err := event.Decode(m.Data()); err == nil && event.CheckSubject(e, m.Subject()) == nil && event.CheckSkew(e, md.Timestamp, skew) == nil {
				late.Saw(camera.String(), e, from, to)
				if !e.Time.Before(from) && !e.Time.After(to) {
					out = append(out, e)
				}
			}
			// The last message pending, or nothing of the window can
			// follow: done, without waiting out the pull for a batch
			// that will not fill.
			if md.NumPending == 0 || past && late.AllDone() {
				done = true
				break
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoHeartbeat) {
			return nil, fmt.Errorf("events log %s: %w", camera, err)
		}
		scanned += n
		if done || n == 0 {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b *event.Event) int { return a.Time.Compare(b.Time) })
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// Timeline is a camera's events as the API lists them: read from the
// events stream, the durable record (Redis keeps only each event's seq,
// in the per-minute roll-ups, and stats figures), keeping only the events
// Redis stored (camstate.Store.Stored), so a message the consumer refused
// (dead-lettered, another event under a stored seq) is never listed. Its
// other methods are the store's.
type Timeline struct {
	*camstate.Store
	Log *Log
}

// Events returns the newest limit stored events of camera with from <=
// time <= to, oldest first, of the given kinds (every camera kind when
// none).
func (t Timeline) Events(ctx context.Context, camera event.CameraRef, from, to time.Time, kinds []event.Kind, limit int) ([]*event.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	if len(kinds) == 0 {
		for _, k := range event.Kinds {
			if k.CameraScoped() {
				kinds = append(kinds, k)
			}
		}
	}
	stored, err := t.Store.Stored(ctx, camera)
	if err != nil {
		return nil, err
	}
	if t.Log == nil {
		return nil, errors.New("events log: no JetStream")
	}
	all, err := t.Log.Events(ctx, camera, from, to, kinds, logScanCap)
	if err != nil {
		return nil, err
	}
	type key struct {
		epoch string
		seq   uint64
	}
	seen := make(map[key]bool, len(all))
	out := all[:0]
	for _, e := range all {
		k := key{e.Epoch, e.Seq}
		if seen[k] || !stored.Has(e.Epoch, e.Seq) {
			continue // first in stream order of a seq wins
		}
		seen[k] = true
		out = append(out, e)
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

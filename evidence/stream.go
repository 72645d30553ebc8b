package evidence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"strings"
	"sync"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
)

// StoredSource says which events of a camera the aggregator accepted;
// *camstate.Store implements it.
type StoredSource interface {
	Stored(ctx context.Context, camera event.CameraRef) (*camstate.SeqSet, error)
}

// MarkKinds are the kinds a timeline and a case read (not stats).
var MarkKinds = []event.Kind{event.KindHealth, event.KindMotionStart, event.KindMotionEnd, event.KindClip}

// Reader reads cameras' events out of the JetStream events stream, the
// durable record, with the bytes each agent sent, keeping only the events
// the aggregator accepted (their seq is stored in Redis), each once.
type Reader struct {
	JS     jetstream.JetStream
	Stream string
	Stored StoredSource
	// MaxSkew is the ingester's admission.max_skew (default
	// event.DefaultMaxSkew): how far an event may be dated ahead of the
	// time the stream stored it. The read starts that long before the
	// window and refuses what the ingester refused for it.
	MaxSkew time.Duration
}

// maxScan bounds the messages one camera's read looks at.
const maxScan = 2_000_000

// readers is how many cameras are read at once: a consumer per camera
// with its few filter subjects costs the server far less than one
// consumer filtering for every camera (docs/BENCHMARKS.md).
const readers = 8

// Read calls fn with each accepted event of cams of the given kinds
// (MarkKinds when none) with from <= time <= to, each camera's in stream
// order (cameras are read concurrently, fn is called for one at a time);
// a camera's read starts MaxSkew before from (a message is stored after
// its event happened, within the skew admitted) and stops at
// the stream's end or, once the stream is past the window, when the
// camera has been heard from after it (event.LateWatch: events an edge
// spooled through an outage arrive late, and are read).
// perCamera bounds what fn gets of one camera (0: no bound); the cameras
// that hit it are returned, by reference ("<site>/<camera>").
func (r *Reader) Read(ctx context.Context, cams []Camera, from, to time.Time, kinds []event.Kind, perCamera int, fn func(data []byte, e *event.Event)) (map[string]bool, error) {
	if len(cams) == 0 {
		return nil, nil
	}
	if len(kinds) == 0 {
		kinds = MarkKinds
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		full     = map[string]bool{}
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, readers)
	for _, c := range cams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return
			}
			capped, err := r.readCamera(ctx, c, from, to, kinds, perCamera, func(data []byte, e *event.Event) {
				mu.Lock()
				defer mu.Unlock()
				fn(data, e)
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
			if capped {
				full[c.Ref().String()] = true
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return full, nil
}

// readCamera reads one camera's events for Read; capped is true when it
// has more than perCamera, or more messages than maxScan.
func (r *Reader) readCamera(ctx context.Context, c Camera, from, to time.Time, kinds []event.Kind, perCamera int, fn func(data []byte, e *event.Event)) (capped bool, err error) {
	set, err := r.Stored.Stored(ctx, c.Ref())
	if err != nil {
		return false, fmt.Errorf("%w: stored events of %s: %v", ErrUnavailable, c.Ref(), err)
	}
	filters := make([]string, len(kinds))
	for i, k := range kinds {
		filters[i] = event.EventsSubjectRoot + "." + c.Site + ".*." + c.ID + "." + string(k)
	}
	skew := cmp.Or(r.MaxSkew, event.DefaultMaxSkew)
	start := from.Add(-skew)
	cons, release, err := streamread.Open(ctx, r.JS, r.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: filters,
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		return false, fmt.Errorf("%w: events stream %s: %v", ErrUnavailable, r.Stream, err)
	}
	defer release()
	info, err := cons.Info(ctx)
	if err != nil {
		return false, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
	}
	type key struct {
		epoch string
		seq   uint64
	}
	ref := c.Ref().String()
	seen := map[key]bool{}
	count := 0
	late := event.NewLateWatch(1)
	past := false // the stream is past the window's end (plus the skew)
	pending, idle, scanned := info.NumPending, 0, 0
	for pending > 0 && scanned < maxScan && !(past && late.AllDone()) {
		// No wait: a pull asking for more than there is would be held
		// until it expires.
		batch, err := cons.FetchNoWait(1000)
		if err != nil {
			return false, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			pending = md.NumPending
			if md.Timestamp.After(to.Add(skew)) {
				past = true
			}
			e, err := event.Decode(m.Data())
			if err != nil || event.CheckSubject(e, m.Subject()) != nil || e.Ref().String() != ref ||
				event.CheckSkew(e, md.Timestamp, skew) != nil {
				continue // what the ingester refuses, whatever seq it names
			}
			k := key{e.Epoch, e.Seq}
			if seen[k] || !set.Has(e.Epoch, e.Seq) {
				continue // first in stream order of a seq wins; refused ones never count
			}
			seen[k] = true
			late.Saw(ref, e, from, to)
			if e.Time.Before(from) || e.Time.After(to) {
				continue
			}
			if perCamera > 0 && count >= perCamera {
				capped = true
				continue
			}
			count++
			fn(m.Data(), e)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoHeartbeat) && !strings.Contains(err.Error(), "timeout") {
			return false, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
		}
		scanned += n
		if n == 0 {
			if idle++; idle > 50 {
				return false, fmt.Errorf("%w: events stream: nothing delivered for 5 s with %d pending", ErrUnavailable, pending)
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		idle = 0
	}
	if pending > 0 && scanned >= maxScan {
		capped = true // stopped before the window's end
	}
	return capped, nil
}

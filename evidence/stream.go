package evidence

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
}

// maxScan bounds the messages one read looks at.
const maxScan = 2_000_000

// Read calls fn, in stream order, with each accepted event of cams of
// the given kinds (MarkKinds when none) with from <= time <= to; the read
// starts event.DefaultMaxSkew before from (a message is stored after its
// event happened, within the skew admitted) and stops at the stream's end
// or, once the stream is past the window, when every camera has been
// heard from after it (lateWatch: events an edge spooled through an
// outage arrive late, and are read).
// perCamera bounds what fn gets of one camera (0: no bound); the cameras
// that hit it are returned, by reference ("<site>/<camera>").
func (r *Reader) Read(ctx context.Context, cams []Camera, from, to time.Time, kinds []event.Kind, perCamera int, fn func(data []byte, e *event.Event)) (map[string]bool, error) {
	if len(cams) == 0 {
		return nil, nil
	}
	if len(kinds) == 0 {
		kinds = MarkKinds
	}
	type key struct {
		cam, epoch string
		seq        uint64
	}
	stored := map[string]*camstate.SeqSet{}
	var filters []string
	for _, c := range cams {
		set, err := r.Stored.Stored(ctx, c.Ref())
		if err != nil {
			return nil, fmt.Errorf("%w: stored events of %s: %v", ErrUnavailable, c.Ref(), err)
		}
		stored[c.Ref().String()] = set
		for _, k := range kinds {
			filters = append(filters, event.EventsSubjectRoot+"."+c.Site+".*."+c.ID+"."+string(k))
		}
	}
	start := from.Add(-event.DefaultMaxSkew)
	cons, err := r.JS.OrderedConsumer(ctx, r.Stream, jetstream.OrderedConsumerConfig{FilterSubjects: filters,
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		return nil, fmt.Errorf("%w: events stream %s: %v", ErrUnavailable, r.Stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
	}
	seen := map[key]bool{}
	count := map[string]int{}
	full := map[string]bool{}
	late := newLateWatch(len(cams))
	past := false // the stream is past the window's end (plus the skew)
	pending, idle, scanned := info.NumPending, 0, 0
	for pending > 0 && scanned < maxScan && !(past && late.allDone()) {
		// No wait: a pull asking for more than there is would be held
		// until it expires.
		batch, err := cons.FetchNoWait(1000)
		if err != nil {
			return nil, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			pending = md.NumPending
			if md.Timestamp.After(to.Add(event.DefaultMaxSkew)) {
				past = true
			}
			e, err := event.Decode(m.Data())
			if err != nil || event.CheckSubject(e, m.Subject()) != nil {
				continue
			}
			c := e.Ref().String()
			k := key{c, e.Epoch, e.Seq}
			if seen[k] || stored[c] == nil || !stored[c].Has(e.Epoch, e.Seq) {
				continue // first in stream order of a seq wins; refused ones never count
			}
			seen[k] = true
			late.saw(c, e, from, to)
			if e.Time.Before(from) || e.Time.After(to) {
				continue
			}
			if perCamera > 0 && count[c] >= perCamera {
				full[c] = true
				continue
			}
			count[c]++
			fn(m.Data(), e)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoHeartbeat) && !strings.Contains(err.Error(), "timeout") {
			return nil, fmt.Errorf("%w: events stream: %v", ErrUnavailable, err)
		}
		scanned += n
		if n == 0 {
			if idle++; idle > 50 {
				return nil, fmt.Errorf("%w: events stream: nothing delivered for 5 s with %d pending", ErrUnavailable, pending)
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		idle = 0
	}
	if pending > 0 && scanned >= maxScan {
		// Stopped before the window's end: every camera may miss events.
		for _, c := range cams {
			full[c.Ref().String()] = true
		}
	}
	return full, nil
}

// lateWatch decides when a read may stop after the stream passed the
// window's end: an edge spools its events through an uplink outage and
// sends them, in order, when it is back, so a window's events can reach
// the stream hours after the window. Per camera the read goes on until
// the camera was heard from after the window: an accepted event dated
// after it (the spool is in order, so nothing of the window follows).
// Clip events come in their own order (each after its upload, oldest
// first), so a camera that sends clips also waits for the clip of each
// motion of the window, or for a clip dated after the window. A camera
// never heard from again keeps the read to the stream's end; its filter
// matches only its own messages, which are then few.
type lateWatch struct {
	cams      int
	after     map[string]bool            // heard from after the window (not a clip)
	clipAfter map[string]bool            // a clip dated after the window
	clips     map[string]bool            // sends clips
	waiting   map[string]map[string]bool // the window's motions without their clip yet
}

func newLateWatch(cams int) *lateWatch {
	return &lateWatch{cams: cams, after: map[string]bool{}, clipAfter: map[string]bool{}, clips: map[string]bool{},
		waiting: map[string]map[string]bool{}}
}

// saw notes an accepted event of camera c.
func (l *lateWatch) saw(c string, e *event.Event, from, to time.Time) {
	switch {
	case e.Kind == event.KindClip && e.Clip != nil:
		l.clips[c] = true
		delete(l.waiting[c], e.Clip.Motion)
		if e.Time.After(to) {
			l.clipAfter[c] = true
		}
	case e.Time.After(to):
		l.after[c] = true
	case e.Kind == event.KindMotionStart && !e.Time.Before(from):
		if l.waiting[c] == nil {
			l.waiting[c] = map[string]bool{}
		}
		l.waiting[c][e.ID] = true
	}
}

// allDone reports whether every camera was heard from after the window,
// with the clips of its window's motions.
func (l *lateWatch) allDone() bool {
	if len(l.after) < l.cams {
		return false
	}
	for c := range l.after {
		if l.clips[c] && !l.clipAfter[c] && len(l.waiting[c]) > 0 {
			return false
		}
	}
	return true
}

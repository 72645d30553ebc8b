package spool

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrAckTimeout is the publish error recorded when JetStream did not
// answer within ForwardOptions.AckTimeout; the event is sent again.
var ErrAckTimeout = errors.New("no publish acknowledgement in time")

// ForwardOptions tune Forward. The zero value is usable.
type ForwardOptions struct {
	// Logger receives outage and skip reports; nil uses the spool's.
	Logger *slog.Logger
	// Window bounds the publishes awaiting their acknowledgement
	// (default 256).
	Window int
	// AckTimeout is how long one acknowledgement may take before the
	// publish is retried (default 5 s).
	AckTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries after a
	// failure; it doubles per failure, with jitter (defaults 100 ms, 5 s).
	MinBackoff, MaxBackoff time.Duration
	// CheckpointEvery is how often the acknowledged position is saved
	// while events flow (default 250 ms). A crash republishes at most this
	// much, which JetStream's duplicate window absorbs.
	CheckpointEvery time.Duration
}

func (o ForwardOptions) withDefaults(sp *Spool) ForwardOptions {
	if o.Logger == nil {
		o.Logger = sp.log
	}
	if o.Window <= 0 {
		o.Window = 256
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 5 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 250 * time.Millisecond
	}
	return o
}

// pending is a record on its way: published and awaiting its ack, or
// resolved (fut nil) but waiting for the records before it.
type pending struct {
	rec  uint64 // last record number this entry covers
	fut  jetstream.PubAckFuture
	sent time.Time
}

// Forward publishes the spool's records to JetStream, in order, each with
// its event id as Nats-Msg-Id so that JetStream drops repeats, until ctx
// is done (then it returns nil) or the spool is closed (ErrClosed). Only
// one Forward may run on a spool at a time. Outages are retried with
// backoff forever; records that can never be published are counted,
// logged and skipped.
func Forward(ctx context.Context, sp *Spool, js jetstream.JetStream, opts ForwardOptions) error {
	done, err := sp.startForward()
	if err != nil {
		return err
	}
	f := &forwarder{sp: sp, js: js, opts: opts.withDefaults(sp), rd: newReader(sp, sp.ackedPos())}
	f.log = f.opts.Logger
	defer func() {
		f.rd.close()
		if err := sp.checkpoint(); err != nil {
			f.log.Error("spool: cannot save position", "err", err)
		}
		sp.endForward(done)
	}()
	return f.run(ctx)
}

type forwarder struct {
	sp   *Spool
	js   jetstream.JetStream
	opts ForwardOptions
	log  *slog.Logger
	rd   *reader

	q       []*pending
	limit   int           // current window: 1 right after a failure
	backoff time.Duration // last wait; 0 while healthy
	failing bool          // an outage is in progress (logged once)
	dirty   bool          // position advanced since the last checkpoint
	skipped uint64        // records below this were already counted as skipped
}

func (f *forwarder) run(ctx context.Context) error {
	f.limit = f.opts.Window
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	tick := time.NewTicker(f.opts.CheckpointEvery)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if err := f.fill(); err != nil {
			if werr := f.retry(ctx, err); werr != nil {
				return werr
			}
			continue
		}
		f.pop()
		if len(f.q) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-f.sp.closing:
				return ErrClosed
			case <-f.sp.notify:
			case <-tick.C:
				f.save()
			}
			continue
		}
		head := f.q[0]
		timer.Reset(time.Until(head.sent.Add(f.opts.AckTimeout)))
		select {
		case ack := <-head.fut.Ok():
			if ack.Duplicate {
				f.sp.m.duplicates.Inc()
			} else {
				f.sp.m.published.Inc()
			}
			head.fut = nil
			f.healthy()
		case err := <-head.fut.Err():
			if permanent(err) {
				f.skip(head, skipRejected, err)
				continue
			}
			if werr := f.retry(ctx, err); werr != nil {
				return werr
			}
		case <-timer.C:
			if werr := f.retry(ctx, ErrAckTimeout); werr != nil {
				return werr
			}
		case <-f.sp.notify:
		case <-tick.C:
			f.save()
		case <-ctx.Done():
			return nil
		case <-f.sp.closing:
			return ErrClosed
		}
	}
}

// fill publishes records until the window is full or none are left.
func (f *forwarder) fill() error {
	for len(f.q) < f.limit {
		it, ok, err := f.rd.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if it.bad != nil && it.rec < f.skipped {
			f.q = append(f.q, &pending{rec: it.last})
			continue
		}
		if it.bad != nil {
			f.skipped = it.last + 1
			f.sp.m.corrupt.WithLabelValues(corruptRecord).Add(float64(it.last - it.rec + 1))
			f.sp.m.skipped.WithLabelValues(skipUnreadable).Add(float64(it.last - it.rec + 1))
			f.log.Error("spool: skipping unreadable records", "first", it.rec, "last", it.last, "err", it.bad)
			f.q = append(f.q, &pending{rec: it.last})
			continue
		}
		ev, err := event.Decode(it.payload)
		if err != nil {
			p := &pending{rec: it.rec}
			f.q = append(f.q, p)
			f.skip(p, skipUndecodable, err)
			continue
		}
		msg := &nats.Msg{Subject: event.Subject(ev), Data: it.payload}
		fut, err := f.js.PublishMsgAsync(msg, jetstream.WithMsgID(ev.ID), jetstream.WithRetryAttempts(0))
		if err != nil {
			if permanent(err) {
				p := &pending{rec: it.rec}
				f.q = append(f.q, p)
				f.skip(p, skipRejected, err)
				continue
			}
			// Publish it again after the wait, with anything before it.
			f.q = append(f.q, &pending{rec: it.rec, fut: failedFuture{}})
			return err
		}
		f.q = append(f.q, &pending{rec: it.rec, fut: fut, sent: time.Now()})
	}
	return nil
}

// pop moves the acknowledged position over the resolved head of the queue.
func (f *forwarder) pop() {
	n := 0
	for n < len(f.q) && f.q[n].fut == nil {
		n++
	}
	if n == 0 {
		return
	}
	upTo := f.q[n-1].rec + 1
	f.q = f.q[n:]
	f.dirty = true
	if f.sp.advance(upTo) {
		f.save()
	}
}

func (f *forwarder) save() {
	if !f.dirty {
		return
	}
	if err := f.sp.checkpoint(); err != nil {
		f.log.Error("spool: cannot save position", "err", err)
		return
	}
	f.dirty = false
}

// skip resolves p without publishing it: it can never be published.
// A record met again after a rewind is not counted or logged twice.
func (f *forwarder) skip(p *pending, reason string, err error) {
	p.fut = nil
	if p.rec < f.skipped {
		return
	}
	f.skipped = p.rec + 1
	f.sp.m.skipped.WithLabelValues(reason).Inc()
	f.log.Error("spool: skipping an event that cannot be published", "record", p.rec, "reason", reason, "err", err)
}

func (f *forwarder) healthy() {
	if f.failing {
		f.log.Info("spool: publishing again", "backlog", f.sp.Backlog())
		f.failing = false
	}
	f.backoff = 0
	f.limit = f.opts.Window
}

// retry counts a failed publish, forgets everything in flight, waits and
// rewinds to the first unacknowledged record. The window shrinks to one
// until a publish succeeds, so records land in the stream in order.
func (f *forwarder) retry(ctx context.Context, cause error) error {
	f.sp.m.publishErrs.WithLabelValues(errReason(cause)).Inc()
	if !f.failing {
		f.log.Warn("spool: publishing failed, retrying with backoff", "err", cause, "backlog", f.sp.Backlog())
		f.failing = true
	}
	f.pop()
	if len(f.q) > 0 {
		f.rd.seek(f.q[0].rec)
	}
	f.q = f.q[:0]
	f.limit = 1
	f.backoff = min(max(2*f.backoff, f.opts.MinBackoff), f.opts.MaxBackoff)
	wait := f.backoff/2 + rand.N(f.backoff/2+1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return nil
	case <-f.sp.closing:
		return ErrClosed
	}
}

// permanent reports whether a publish error will recur however often the
// record is sent.
func permanent(err error) bool {
	if errors.Is(err, nats.ErrMaxPayload) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum
}

func errReason(err error) string {
	switch {
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return errNoStream
	case errors.Is(err, ErrAckTimeout), errors.Is(err, jetstream.ErrAsyncPublishTimeout), errors.Is(err, nats.ErrTimeout):
		return errTimeout
	case errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, io.EOF):
		return errDisconnected
	default:
		return errOther
	}
}

// failedFuture stands for a publish that never left; it is never resolved
// and only marks the record to rewind to.
type failedFuture struct{}

func (failedFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (failedFuture) Err() <-chan error {
	return nil
}
func (failedFuture) Msg() *nats.Msg { return nil }

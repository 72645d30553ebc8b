package alerts

import (
	"bytes"
	"errors"
	"github.com/camwatch/camwatch/streamread"
	"time"

	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/signing"

	"github.com/nats-io/nats.go/jetstream"
)

// FeedItem is one transition on the live feed. Seq is its alerts-stream
// sequence: a console that saw Seq N resumes with Subscribe(N) and misses
// nothing.
type FeedItem struct {
	Seq  uint64
	Kind TransitionKind
	Data json.RawMessage
}

// Subscribe streams transitions stored after sequence after (0: only new
// ones) until ctx ends or the runner closes; the channel is closed then.
// Any replica serves it, from the alerts stream, not from the leader.
func (r *Runner) Subscribe(ctx context.Context, after uint64) (<-chan FeedItem, error) {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	// One consumer per live feed, given back when the feed ends, so that
	// clients coming and going do not pile consumers up on the stream.
	cons, release, err := streamread.Open(ctx, r.o.JS, StreamName, cfg)
	if err != nil {
		return nil, fmt.Errorf("alerts feed: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		release()
		return nil, fmt.Errorf("alerts feed: %w", err)
	}
	out := make(chan FeedItem, 64)
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-r.done:
		case <-stop:
		}
		it.Stop()
		release()
	}()
	go func() {
		defer close(out)
		defer close(stop)
		for {
			m, err := it.Next()
			if err != nil {
				return
			}
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			item, err := r.feedItem(m, md.Sequence.Stream)
			if err != nil {
				r.m.feedRefused.WithLabelValues(feedReason(err)).Inc()
				if r.feedLog.Allow(feedReason(err), time.Now()) {
					r.log.Warn("alert feed dropped a transition (logged once a minute per reason)", "seq", md.Sequence.Stream, "subject", m.Subject(), "err", err)
				}
				continue
			}
			select {
			case out <- item:
			case <-ctx.Done():
				return
			case <-r.done:
				return
			}
		}
	}()
	return out, nil
}

// errFeed is wrapped when a stored message is not a transition the feed
// may show.
var errFeed = errors.New("not a deliverable transition")

// feedItem admits a stored message to the live feed: its signature must
// verify (when the runner has a Verifier), its subject must name what it
// holds, and its kind must be known. Data is re-encoded compactly, so it
// never holds a raw newline (strings keep theirs escaped) and cannot
// break an SSE frame.
func (r *Runner) feedItem(m jetstream.Msg, seq uint64) (FeedItem, error) {
	if v := r.o.Verifier; v != nil {
		if err := v.Verify(m.Data(), m.Headers().Get(signing.Header)); err != nil {
			return FeedItem{}, err
		}
	}
	var t Transition
	if err := json.Unmarshal(m.Data(), &t); err != nil {
		return FeedItem{}, fmt.Errorf("%w: %v", errFeed, err)
	}
	switch t.Kind {
	case TransitionFiring, TransitionAcknowledged, TransitionEscalated, TransitionResolved:
	default:
		return FeedItem{}, fmt.Errorf("%w: kind %q", errFeed, t.Kind)
	}
	if want := Subject(&t); m.Subject() != want {
		return FeedItem{}, fmt.Errorf("%w: subject %q, content says %q", errFeed, m.Subject(), want)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, m.Data()); err != nil {
		return FeedItem{}, fmt.Errorf("%w: %v", errFeed, err)
	}
	return FeedItem{Seq: seq, Kind: t.Kind, Data: buf.Bytes()}, nil
}

func feedReason(err error) string {
	switch {
	case errors.Is(err, signing.ErrUnsigned), errors.Is(err, signing.ErrBadSignature):
		return "signature"
	default:
		return "invalid"
	}
}

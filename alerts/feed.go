package alerts

import (
	"context"
	"encoding/json"
	"fmt"

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
	cons, err := r.o.JS.OrderedConsumer(ctx, StreamName, cfg)
	if err != nil {
		return nil, fmt.Errorf("alerts feed: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
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
			var head struct {
				Kind TransitionKind `json:"kind"`
			}
			if json.Unmarshal(m.Data(), &head) != nil {
				continue
			}
			select {
			case out <- FeedItem{Seq: md.Sequence.Stream, Kind: head.Kind, Data: m.Data()}:
			case <-ctx.Done():
				return
			case <-r.done:
				return
			}
		}
	}()
	return out, nil
}

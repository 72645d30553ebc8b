package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions describe the events stream, the durable record of
// everything agents sent, and its dead-letter companion.
type StreamOptions struct {
	// Name of the events stream; the dead-letter stream is Name+"_DEADLETTER".
	Name string
	// MaxAge keeps messages this long.
	MaxAge time.Duration
	// Duplicates is the Nats-Msg-Id dedupe window.
	Duplicates time.Duration
	Replicas   int
}

// DeadLetterStream names the dead-letter stream that belongs to stream.
func DeadLetterStream(stream string) string { return stream + "_DEADLETTER" }

// EnsureStreams creates or updates both streams; it is idempotent, so
// every aggregator replica calls it at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	for _, cfg := range []jetstream.StreamConfig{
		{
			Name:        o.Name,
			Description: "camwatch events and agent heartbeats",
			Subjects:    []string{event.AllEventsSubjects, event.AllAgentsSubjects},
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      o.MaxAge,
			Duplicates:  o.Duplicates,
			Storage:     jetstream.FileStorage,
			Discard:     jetstream.DiscardOld,
			Replicas:    o.Replicas,
		},
		{
			Name:        DeadLetterStream(o.Name),
			Description: "camwatch messages the aggregator rejected, with the reason in headers",
			Subjects:    []string{event.AllDeadLetterSubjects},
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      o.MaxAge,
			Duplicates:  o.Duplicates,
			Storage:     jetstream.FileStorage,
			Discard:     jetstream.DiscardOld,
			Replicas:    o.Replicas,
		},
	} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// ConsumerOptions describe the durable pull consumer all replicas share.
type ConsumerOptions struct {
	Durable    string
	Batch      int
	AckWait    time.Duration
	MaxDeliver int
}

// maxAckPending leaves room for a few replicas, each with one batch in
// hand and one prefetched.
func (o ConsumerOptions) maxAckPending() int { return 8 * o.Batch }

// EnsureConsumer creates or updates the shared durable consumer on stream.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, stream string, o ConsumerOptions) (jetstream.Consumer, error) {
	c, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "camwatch aggregators: JetStream to Redis",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    o.MaxDeliver,
		MaxAckPending: o.maxAckPending(),
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", o.Durable, stream, err)
	}
	return c, nil
}

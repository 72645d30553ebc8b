package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names.
const (
	// DefaultStream is the alerts stream the engine publishes to.
	DefaultStream = "CAMWATCH_ALERTS"
	// AlertsSubjects are the transitions' subjects.
	AlertsSubjects = "camwatch.alerts.>"
	// DeadLetterRoot starts the subject of a transition given up for a
	// receiver: camwatch.notify.deadletter.<receiver>.
	DeadLetterRoot = "camwatch.notify.deadletter"
	// DeadLetterStream keeps the dead letters so that an operator can see
	// and resend them.
	DeadLetterStream = "CAMWATCH_NOTIFY_DEADLETTER"
	// DurablePrefix starts each receiver's durable consumer name.
	DurablePrefix = "notify-"
)

// DeadLetterSubject is where transitions given up for receiver go.
func DeadLetterSubject(receiver string) string { return DeadLetterRoot + "." + receiver }

// Durable is the durable consumer name of receiver.
func Durable(receiver string) string { return DurablePrefix + receiver }

// ensureStreams creates the alerts stream when the engine has not yet
// (and leaves it alone otherwise: the engine owns its limits), and
// creates or updates the dead-letter stream, which this package owns.
func ensureStreams(ctx context.Context, js jetstream.JetStream, stream, subjects string) error {
	if _, err := js.Stream(ctx, stream); errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        stream,
			Description: "camwatch alert transitions",
			Subjects:    []string{subjects},
			Storage:     jetstream.FileStorage,
			MaxAge:      30 * 24 * time.Hour,
			// As the engine's: an outbox republished after a long NATS
			// outage is still deduped.
			Duplicates: time.Hour,
		})
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("create stream %s: %w", stream, err)
		}
	} else if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        DeadLetterStream,
		Description: "camwatch notifications given up, with the reason in headers",
		Subjects:    []string{DeadLetterRoot + ".>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	return nil
}

// ensureConsumer returns receiver r's durable consumer. A new one starts
// at transitions up to r.MaxAge old, so that nothing published while the
// notifier was first starting is missed, and a deployment on top of a
// long history does not replay it. An existing one keeps its position;
// only its limits are updated.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, stream, subjects string, r *Receiver) (jetstream.Consumer, error) {
	name := Durable(r.Name)
	cfg := jetstream.ConsumerConfig{
		Durable:     name,
		Description: "camwatch webhook deliveries to " + r.Name,
		AckPolicy:   jetstream.AckExplicitPolicy,
		// A POST runs to its timeout before the answer is known; the ack
		// wait must outlast it or the message would be handed out again.
		AckWait:       r.Timeout + 30*time.Second,
		MaxDeliver:    -1,
		MaxAckPending: 1,
		FilterSubject: subjects,
	}
	c, err := js.Consumer(ctx, stream, name)
	if err == nil {
		old := c.CachedInfo().Config
		cfg.DeliverPolicy, cfg.OptStartTime, cfg.OptStartSeq = old.DeliverPolicy, old.OptStartTime, old.OptStartSeq
		if c, err = js.UpdateConsumer(ctx, stream, cfg); err != nil {
			return nil, fmt.Errorf("update consumer %s: %w", name, err)
		}
		return c, nil
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("consumer %s: %w", name, err)
	}
	start := time.Now().Add(-r.MaxAge)
	cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
	cfg.OptStartTime = &start
	c, err = js.CreateConsumer(ctx, stream, cfg)
	if err != nil && (errors.Is(err, jetstream.ErrConsumerExists) || strings.Contains(err.Error(), "already")) {
		// Another replica created it a moment ago.
		return js.Consumer(ctx, stream, name)
	}
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", name, err)
	}
	return c, nil
}

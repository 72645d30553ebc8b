package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The alerts stream: every transition, once, for the SSE feed and for
// webhook delivery (notify) to consume at their own pace.
const (
	// StreamName is the JetStream stream of transitions.
	StreamName = "CAMWATCH_ALERTS"
	// SubjectRoot starts every transition subject:
	// camwatch.alerts.<site>.<camera or agent>.<kind>.
	SubjectRoot = "camwatch.alerts"
	// AllSubjects is what the stream captures.
	AllSubjects = SubjectRoot + ".>"
	// CommandRoot carries API commands to the evaluating replica
	// (camwatch.alertcmd.apply, request/reply) and rule reloads to every
	// replica (camwatch.alertcmd.reload, broadcast). Core NATS, not stored.
	CommandRoot = "camwatch.alertcmd"
)

// DefaultDuplicates is the alerts stream's Nats-Msg-Id window. It is long
// so that an outbox republished after a long NATS outage is still deduped.
const DefaultDuplicates = time.Hour

// Subject is the subject a transition is published on.
func Subject(tr *Transition) string {
	who := tr.Alert.Camera
	if who == "" {
		who = tr.Alert.Agent
	}
	return fmt.Sprintf("%s.%s.%s.%s", SubjectRoot, tr.Alert.Site, who, tr.Kind)
}

// StreamOptions size the alerts stream.
type StreamOptions struct {
	MaxAge     time.Duration
	Duplicates time.Duration
	Replicas   int
}

// EnsureStream creates or updates the alerts stream; every replica calls it.
func EnsureStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.Duplicates <= 0 {
		o.Duplicates = DefaultDuplicates
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "camwatch alert transitions (firing, acknowledged, escalated, resolved)",
		Subjects:    []string{AllSubjects},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      o.MaxAge,
		Duplicates:  o.Duplicates,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		Replicas:    o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamName, err)
	}
	return nil
}

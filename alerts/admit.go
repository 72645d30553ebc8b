package alerts

import (
	"errors"
	"time"

	"github.com/camwatch/camwatch/event"
)

// admit is the engine's check of an event against who may send it: the
// subject must name the event's site, agent, camera and kind (NATS
// permissions pin each agent to its own subjects, so the subject is the
// sender), and its time may not be more than maxSkew ahead of when the
// stream stored it. It returns the refusal reason, the dead-letter token
// ingest uses for the same refusal.
func admit(ev *event.Event, subject string, stored time.Time, maxSkew time.Duration) (string, error) {
	if err := event.CheckSubject(ev, subject); err != nil {
		return "subject", err
	}
	if err := event.CheckSkew(ev, stored, maxSkew); err != nil {
		if errors.Is(err, event.ErrFuture) {
			return "future", err
		}
		return "invalid", err
	}
	return "", nil
}

// refusal names the dead-letter reason of an Observe error that refuses
// an event for what it claims (ingest's reasons), or "".
func refusal(err error) string {
	switch {
	case errors.Is(err, ErrSeqJump):
		return "seq_jump"
	case errors.Is(err, ErrEpoch):
		return "epoch"
	}
	return ""
}

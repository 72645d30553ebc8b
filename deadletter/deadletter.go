package deadletter

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers set on a dead-lettered message, next to the original data.
const (
	HeaderReason   = "Camwatch-Reason"
	HeaderError    = "Camwatch-Error"
	HeaderSubject  = "Camwatch-Subject"
	HeaderSeq      = "Camwatch-Stream-Seq"
	HeaderConsumer = "Camwatch-Consumer"
)

// maxError bounds the explanation carried in a header.
const maxError = 512

// Msg builds the dead letter of m for reason: the original data, the
// reason, the original subject, the error and, when m came from a
// stream, a message id derived from its stream and sequence so that the
// same refusal by several consumers is stored once.
func Msg(m jetstream.Msg, consumer, reason string, cause error) *nats.Msg {
	dl := nats.NewMsg(event.DeadLetter(reason))
	dl.Data = m.Data()
	dl.Header.Set(HeaderReason, reason)
	dl.Header.Set(HeaderSubject, m.Subject())
	dl.Header.Set(HeaderConsumer, consumer)
	if cause != nil {
		msg := cause.Error()
		if len(msg) > maxError {
			msg = msg[:maxError]
		}
		dl.Header.Set(HeaderError, msg)
	}
	if md, err := m.Metadata(); err == nil {
		seq := strconv.FormatUint(md.Sequence.Stream, 10)
		dl.Header.Set(HeaderSeq, seq)
		dl.Header.Set(jetstream.MsgIDHeader, "dl-"+md.Stream+"-"+seq)
	}
	return dl
}

// Publish files m's dead letter and waits for JetStream's ack (at most
// 5 s, even after ctx ended, so that a refusal during shutdown is kept).
func Publish(ctx context.Context, js jetstream.JetStream, m jetstream.Msg, consumer, reason string, cause error) error {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := js.PublishMsg(pctx, Msg(m, consumer, reason, cause)); err != nil {
		return fmt.Errorf("dead letter %s: %w", reason, err)
	}
	return nil
}

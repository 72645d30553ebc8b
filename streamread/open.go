package streamread

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Backstop is the inactive threshold given to a consumer whose reader
// never released it (a crash, a lost connection): the server removes it
// after this long without a pull, instead of nats.go's 5 minutes.
const Backstop = 30 * time.Second

// Open creates an ordered consumer on stream with cfg and returns it with
// release, which deletes it on the server; call release (once) when the
// read is done, typically deferred. A cfg without InactiveThreshold gets
// Backstop.
func Open(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, func(), error) {
	if cfg.InactiveThreshold == 0 {
		cfg.InactiveThreshold = Backstop
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, func() {}, err
	}
	release := func() {
		info := cons.CachedInfo()
		if info == nil {
			return
		}
		// The query's own context may be done already (the client left):
		// the consumer must go all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = js.DeleteConsumer(ctx, stream, info.Name)
	}
	return cons, release, nil
}

package edge

import (
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go"
)

// connectNATS connects with endless reconnects, starting even while the
// server is unreachable: the spool holds events until it is back. The
// token is revealed only into the client's options, never logged.
func connectNATS(o Options, log *slog.Logger) (*nats.Conn, error) {
	nopts := []nats.Option{
		nats.Name("camwatch-edge " + o.Agent),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats error", "err", err)
		}),
	}
	if !o.NATSToken.Empty() {
		nopts = append(nopts, nats.Token(o.NATSToken.Reveal()))
	}
	if o.NATSCredsFile != "" {
		nopts = append(nopts, nats.UserCredentials(o.NATSCredsFile))
	}
	nc, err := nats.Connect(o.NATSURL, nopts...)
	if err != nil {
		return nil, fmt.Errorf("edge: nats connect: %w", err)
	}
	return nc, nil
}

package edge

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/lograte"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/nats-io/nats.go"
)

// connectNATS connects with endless reconnects, starting even while the
// server is unreachable: the spool holds events until it is back. The
// credentials are revealed only into the client's options, never logged.
// Replies use the agent's own inbox prefix, the only subjects its NATS
// permissions let it receive on. A permission violation (credentials of
// another site or agent, a mistyped site) is logged clearly once a minute
// and counted, since nothing this agent sends can arrive until fixed.
func connectNATS(o Options, m *Metrics, log *slog.Logger) (*nats.Conn, error) {
	auth, err := natsauth.ClientOptions(o.NATS, event.AgentInboxPrefix(o.Site, o.Agent))
	if err != nil {
		return nil, fmt.Errorf("edge: %w", err)
	}
	once := lograte.New(time.Minute)
	nopts := []nats.Option{
		nats.Name("camwatch-edge " + o.Site + "/" + o.Agent),
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
			if errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
				m.PermissionDenied.Inc()
				if once.Allow("permission", time.Now()) {
					log.Error("NATS refused this agent's message: its credentials do not allow the subject; check site, agent and creds_file (logged once a minute)",
						"site", o.Site, "agent", o.Agent, "err", err)
				}
				return
			}
			if once.Allow("error", time.Now()) {
				log.Warn("nats error", "err", err)
			}
		}),
	}
	nopts = append(nopts, auth...)
	nc, err := nats.Connect(o.NATSURL, nopts...)
	if err != nil {
		return nil, fmt.Errorf("edge: nats connect: %w", err)
	}
	return nc, nil
}

package aggregator

import (
	"log/slog"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/console"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Options are everything Start needs. Config is the validated file; the
// other fields override it or inject what a file cannot hold.
type Options struct {
	Config configs.Aggregator
	// NATSURL overrides Config.NATS.URL (e.g. an embedded server's).
	NATSURL string
	// NATSOptions are added to the connection's options.
	NATSOptions []nats.Option
	// Redis is an already-made client to use instead of Config.Redis; it
	// is not closed by the aggregator.
	Redis redis.UniversalClient
	// RedisURL overrides Config.Redis.URL (e.g. a miniredis address).
	RedisURL string
	Logger   *slog.Logger
	// Registerer receives every metric. Gatherer serves /metrics; when
	// nil, Registerer is used if it is also a Gatherer (a *Registry).
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// SampleInterval is how often consumer lag and camera counts are
	// measured; default 5s.
	SampleInterval time.Duration
	// NotifyBackoff replaces webhook delivery's retry delays
	// (notify.DefaultBackoff), e.g. to keep tests short.
	NotifyBackoff []time.Duration
	// ShutdownTimeout bounds Close; default 10s.
	ShutdownTimeout time.Duration
	// BootstrapAdminPassword, read by main from Config.Auth's
	// bootstrap_admin_env once at start, creates the first admin on a
	// deployment without users.
	BootstrapAdminPassword configs.Secret
	// Argon2 overrides the password hashing cost (tests); zero is
	// auth.DefaultArgon2.
	Argon2 auth.Argon2Params
	// ConsoleNotice is shown on every console page (the demo marks its
	// generated history); nil shows none.
	ConsoleNotice *console.Notice
}

// OptionsFromConfig returns Options for a loaded, validated config.
func OptionsFromConfig(cfg *configs.Aggregator, logger *slog.Logger, reg prometheus.Registerer) Options {
	return Options{Config: *cfg, Logger: logger, Registerer: reg}
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		r := prometheus.NewRegistry()
		o.Registerer = r
	}
	if o.Gatherer == nil {
		if g, ok := o.Registerer.(prometheus.Gatherer); ok {
			o.Gatherer = g
		} else {
			o.Gatherer = prometheus.DefaultGatherer
		}
	}
	if o.SampleInterval <= 0 {
		o.SampleInterval = 5 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.NATSURL == "" {
		o.NATSURL = o.Config.NATS.URL
	}
	if o.RedisURL == "" {
		o.RedisURL = o.Config.Redis.URL
	}
}

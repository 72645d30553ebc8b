package edge

import (
	"errors"
	"fmt"
	cliprec "github.com/camwatch/camwatch/clip"
	"log/slog"
	"net"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/prometheus/client_golang/prometheus"
)

// Version is reported in heartbeats; the build sets it with -ldflags.
var Version = "dev"

// ErrOptions is wrapped by every error about unusable Options.
var ErrOptions = errors.New("edge: bad options")

// Options are everything Run needs; OptionsFromConfig builds them from the
// edge config file.
type Options struct {
	Site, Agent string
	// Version defaults to the package's Version.
	Version string

	// NATSURL is the JetStream server; NATS authenticates (creds file,
	// user and password, or token) and sets up TLS; no secret in it is
	// ever logged. Its URL field is not used.
	NATSURL string
	NATS    configs.NATS

	// SpoolDir keeps events until JetStream acknowledged them;
	// SpoolMaxBytes bounds it (0: unbounded).
	SpoolDir      string
	SpoolMaxBytes int64
	// ClipsDir keeps finished clips until they are uploaded (default
	// SpoolDir/clips); ClipsBudget bounds it (default 2 GiB): beyond it
	// the oldest waiting clips are dropped and counted.
	ClipsDir    string
	ClipsBudget int64

	// MetricsListen serves /metrics and /healthz when set; MetricsReady,
	// if set, is told the bound address (useful with port 0).
	MetricsListen string
	MetricsReady  func(net.Addr)

	HeartbeatInterval time.Duration
	Timing            Timing
	// Thumbnails spaces the cameras' periodic thumbnails and bounds all
	// snapshot traffic of the agent.
	Thumbnails Thumbnails
	Cameras    []Camera

	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Gatherer serves /metrics; it defaults to Registerer when that is a
	// Gatherer (a *prometheus.Registry is), else the default gatherer.
	Gatherer prometheus.Gatherer
	// ShutdownTimeout bounds the orderly stop once ctx ends (default 5 s).
	ShutdownTimeout time.Duration
}

// OptionsFromConfig turns a validated edge config into Options. Disabled
// cameras are left out; a camera whose detector is "off" gets none.
func OptionsFromConfig(c *configs.Edge, logger *slog.Logger, reg prometheus.Registerer) Options {
	o := Options{
		Site:              c.Site,
		Agent:             c.Agent,
		NATSURL:           c.NATS.URL,
		NATS:              c.NATS,
		SpoolDir:          c.SpoolDir,
		SpoolMaxBytes:     int64(c.SpoolMaxMB) << 20,
		ClipsDir:          c.Clips.Dir,
		ClipsBudget:       int64(c.Clips.DiskBudgetMB) << 20,
		MetricsListen:     c.MetricsListen,
		HeartbeatInterval: c.Timing.HeartbeatInterval,
		Timing: Timing{
			StatsInterval: c.Timing.StatsInterval,
			StallTimeout:  c.Timing.StallTimeout,
			DialTimeout:   c.Timing.DialTimeout,
			ReadTimeout:   c.Timing.ReadTimeout,
			Backoff:       c.Timing.Backoff,
			ProbeInterval: c.Timing.ProbeInterval,
		},
		Thumbnails: Thumbnails{Interval: c.Snapshots.ThumbnailInterval, BudgetKbps: c.Snapshots.BudgetKbps},
		Logger:     logger,
		Registerer: reg,
	}
	for _, cam := range c.Cameras {
		if cam.Disabled {
			continue
		}
		ec := Camera{ID: cam.ID, URL: cam.PublicURL(), Username: cam.Username, Password: cam.Password, Labels: cam.Labels}
		m := c.Defaults.Motion
		if cam.Motion != nil {
			m = *cam.Motion
		}
		if d, ok := detect.FromMotion(m); ok {
			ec.Detect = &d
		}
		cl := c.Defaults.Clips
		if cam.Clips != nil {
			cl = *cam.Clips
		}
		if cl.Enabled {
			ec.Clips = &cliprec.Options{PreRoll: cl.PreRoll, PostRoll: cl.PostRoll, MaxLength: cl.MaxLength, RingBytes: cl.RingKB << 10}
		}
		o.Cameras = append(o.Cameras, ec)
	}
	return o
}

func (o *Options) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, a...)...)
	}
	switch {
	case !event.ValidToken(o.Site):
		return bad("site %q is not a valid id", o.Site)
	case !event.ValidToken(o.Agent):
		return bad("agent %q is not a valid id", o.Agent)
	case o.SpoolDir == "":
		return bad("spool dir is required")
	case o.NATSURL == "":
		return bad("nats url is required")
	case len(o.Cameras) == 0:
		return bad("no cameras")
	}
	seen := map[string]bool{}
	for _, c := range o.Cameras {
		if seen[c.ID] {
			return bad("camera %q twice", c.ID)
		}
		seen[c.ID] = true
	}
	if o.Version == "" {
		o.Version = Version
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Gatherer == nil {
		if g, ok := o.Registerer.(prometheus.Gatherer); ok {
			o.Gatherer = g
		} else {
			o.Gatherer = prometheus.DefaultGatherer
		}
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 10 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 5 * time.Second
	}
	o.Timing = o.Timing.withDefaults()
	return nil
}

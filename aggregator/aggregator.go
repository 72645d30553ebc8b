package aggregator

import (
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/ingest"
	"github.com/camwatch/camwatch/mqttbridge"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/notify"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/review"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// Aggregator is a running aggregator.
type Aggregator struct {
	log      *slog.Logger
	opts     Options
	nc       *nats.Conn
	rdb      redis.UniversalClient
	ownRedis bool
	store    *camstate.Store
	http     *http.Server
	ln       net.Listener
	metrics  *http.Server
	metLn    net.Listener
	dir      *auth.Directory
	auditLog *audit.Log
	auditWG  sync.WaitGroup
	// evidenceWG is the case holds' sync loop.
	evidenceWG sync.WaitGroup

	cancel    context.CancelFunc
	ingestWG  sync.WaitGroup
	alerts    *alerts.Runner
	alertsWG  sync.WaitGroup
	receivers *notify.File
	signer    *signing.Key
	verifier  *signing.Verifier
	delivery  *delivery
	bridge    *mqttbridge.Bridge
	sampleWG  sync.WaitGroup
	failed    chan error
	closeOnce sync.Once
	closeErr  error
}

// Start connects, prepares JetStream, and starts ingesting and serving.
// It returns once the HTTP listener is open, so Addr is usable at once.
func Start(ctx context.Context, o Options) (*Aggregator, error) {
	o.defaults()
	a := &Aggregator{log: o.Logger.With("component", "aggregator"), opts: o, failed: make(chan error, 2)}
	ok := false
	defer func() {
		if !ok {
			a.closeClients()
		}
	}()

	if err := a.connectRedis(); err != nil {
		return nil, err
	}
	if err := a.connectNATS(); err != nil {
		return nil, err
	}
	js, err := jetstream.New(a.nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	cfg := o.Config
	if err := ingest.EnsureStreams(ctx, js, ingest.StreamOptions{
		Name: cfg.Stream.Name, MaxAge: cfg.Stream.MaxAge, Duplicates: cfg.Stream.DuplicateWindow, Replicas: cfg.Stream.Replicas,
	}); err != nil {
		return nil, err
	}
	snapOpts := ingest.SnapshotOptions{
		MaxAge: cfg.Retention.Events, Duplicates: cfg.Stream.DuplicateWindow, Replicas: cfg.Stream.Replicas,
		Logger: o.Logger.With("component", "snapshots"), Registerer: o.Registerer,
	}
	if err := ingest.EnsureSnapshotStream(ctx, js, snapOpts); err != nil {
		return nil, err
	}
	cons, err := ingest.EnsureConsumer(ctx, js, cfg.Stream.Name, ingest.ConsumerOptions{
		Durable: cfg.Consumer.Durable, Batch: cfg.Consumer.Batch, AckWait: cfg.Consumer.AckWait, MaxDeliver: cfg.Consumer.MaxDeliver,
	})
	if err != nil {
		return nil, err
	}
	metrics, err := ingest.NewMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	g, err := newGauges(o.Registerer)
	if err != nil {
		return nil, err
	}
	a.store = camstate.New(a.rdb, camstate.Options{
		Prefix: cfg.Redis.Prefix, EventRetention: cfg.Retention.Events,
		TransitionRetention: cfg.Retention.Transitions, AgentTimeout: cfg.AgentTimeout,
		MaxSeqAdvance: cfg.Admission.MaxSeqAdvance, MaxAge: cfg.Admission.MaxAge,
		WaitReplicas: cfg.Redis.WaitReplicas,
	})

	if err := a.startAlerts(ctx, js); err != nil {
		return nil, err
	}

	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	defer func() {
		if !ok {
			cancel()
		}
	}()
	authSvc, err := a.startAccess(ctx, runCtx, js)
	if err != nil {
		return nil, err
	}
	inv, err := a.startEvidence(ctx, runCtx, js)
	if err != nil {
		return nil, err
	}
	access, err := accessOptions(&cfg)
	if err != nil {
		return nil, err
	}

	a.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	if cfg.MetricsListen != "off" {
		if a.metLn, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			_ = a.ln.Close()
			return nil, fmt.Errorf("metrics_listen %s: %w", cfg.MetricsListen, err)
		}
	}
	if err := a.startDelivery(js, a.receivers); err != nil {
		_ = a.ln.Close()
		return nil, err
	}
	if err := a.startMQTT(); err != nil {
		_ = a.ln.Close()
		return nil, err
	}
	metricsHandler := promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})
	apiOpts := api.Options{
		Auth:      authSvc,
		Users:     a.dir,
		Audit:     a.auditLog,
		Access:    access,
		Store:     ingest.Timeline{Store: a.store, Log: &ingest.Log{JS: js, Stream: cfg.Stream.Name, MaxSkew: cfg.Admission.MaxSkew}},
		Snapshots: a.store,
		Checks: map[string]api.Check{
			"nats":  a.natsReady,
			"redis": a.store.Ping,
		},
		Metrics:        metricsHandler,
		Logger:         o.Logger.With("component", "api"),
		Programs:       programs.FromConfig(&cfg),
		Motion:         &review.StreamMotion{JS: js, Stream: cfg.Stream.Name},
		Investigations: inv,
		ConsoleNotice:  o.ConsoleNotice,
	}
	if a.alerts != nil { // never a typed nil in the interfaces
		apiOpts.Alerts, apiOpts.MaintenanceAlerts, apiOpts.AlertHistory, apiOpts.Rules = a.alerts, a.alerts, a.alerts.Store(), a.alerts
	}
	apiOpts.Uptime = uptimeAPI(&cfg, a.store)
	a.http = &http.Server{
		Handler:           api.New(apiOpts),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		WriteTimeout:      cfg.HTTP.WriteTimeout, // the SSE feed lifts it for itself
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(o.Logger.With("component", "http").Handler(), slog.LevelWarn),
	}
	if a.metLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler)
		a.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second}
		go func() { _ = a.metrics.Serve(a.metLn) }()
	}
	in := ingest.NewIngester(ingest.IngesterOptions{
		Consumer: cons, JS: js, Store: a.store, Metrics: metrics,
		Logger: o.Logger.With("component", "ingest"),
		Batch:  cfg.Consumer.Batch, MaxDeliver: cfg.Consumer.MaxDeliver, MaxSkew: cfg.Admission.MaxSkew,
	})
	a.ingestWG.Add(1)
	go func() {
		defer a.ingestWG.Done()
		if err := in.Run(runCtx); err != nil {
			a.failed <- fmt.Errorf("ingest: %w", err)
		}
	}()
	a.ingestWG.Add(1)
	go func() {
		defer a.ingestWG.Done()
		if err := ingest.RunSnapshots(runCtx, js, a.store, snapOpts); err != nil && runCtx.Err() == nil {
			a.failed <- fmt.Errorf("snapshots: %w", err)
		}
	}()
	if a.alerts != nil {
		a.alertsWG.Add(1)
		go func() {
			defer a.alertsWG.Done()
			if err := a.alerts.Run(runCtx); err != nil {
				a.failed <- fmt.Errorf("alerts: %w", err)
			}
		}()
	}
	a.sampleWG.Add(1)
	go func() {
		defer a.sampleWG.Done()
		g.sample(runCtx, o.SampleInterval, cons, a.store, a.log)
	}()
	go func() {
		var err error
		if cfg.TLSCert != "" {
			err = a.http.ServeTLS(a.ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = a.http.Serve(a.ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.failed <- fmt.Errorf("http: %w", err)
		}
	}()
	a.log.Info("aggregator started", "listen", a.Addr(), "stream", cfg.Stream.Name, "consumer", cfg.Consumer.Durable)
	ok = true
	return a, nil
}

// Run starts the aggregator and serves until ctx ends or a part fails,
// then shuts down.
func Run(ctx context.Context, o Options) error {
	a, err := Start(ctx, o)
	if err != nil {
		return err
	}
	var failure error
	select {
	case <-ctx.Done():
	case failure = <-a.failed:
		a.log.Error("aggregator failed", "err", failure)
	}
	return errors.Join(failure, a.Close())
}

// Addr is the HTTP address actually listened on (useful with port 0).
func (a *Aggregator) Addr() string { return a.ln.Addr().String() }

// MetricsAddr is the address of the metrics listener, "" when off.
func (a *Aggregator) MetricsAddr() string {
	if a.metLn == nil {
		return ""
	}
	return a.metLn.Addr().String()
}

// Directory is the identity store (users and tokens).
func (a *Aggregator) Directory() *auth.Directory { return a.dir }

// Audit is the audit log.
func (a *Aggregator) Audit() *audit.Log { return a.auditLog }

// Store is the Redis store the aggregator writes and serves.
func (a *Aggregator) Store() *camstate.Store { return a.store }

// Failed delivers the error of a part that stopped on its own.
func (a *Aggregator) Failed() <-chan error { return a.failed }

// Close shuts down in reverse order of Start under the shutdown timeout:
// the alert feeds and the HTTP server, webhook delivery (a POST in flight
// finishes and is acked, sends are reported to the evaluator while it
// still runs), then the ingester (handling what it holds), the alerts
// runner (giving up its lease), the sampler, NATS and Redis. It is safe to
// call more than once.
func (a *Aggregator) Close() error {
	a.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), a.opts.ShutdownTimeout)
		defer cancel()
		var errs []error
		if a.bridge != nil {
			a.bridge.Close() // says offline (retained) before anything stops
		}
		if a.alerts != nil {
			a.alerts.Close() // ends SSE feeds, which would hold Shutdown open
		}
		if err := a.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if a.metrics != nil {
			_ = a.metrics.Shutdown(ctx)
		}
		if a.delivery != nil && !a.delivery.stop(ctx) {
			errs = append(errs, errors.New("notification reports did not finish before the shutdown timeout"))
		}
		a.cancel()
		if !waitCtx(ctx, &a.ingestWG) {
			errs = append(errs, errors.New("ingest did not stop before the shutdown timeout"))
		}
		if !waitCtx(ctx, &a.alertsWG) {
			errs = append(errs, errors.New("alerts did not stop before the shutdown timeout"))
		}
		waitCtx(ctx, &a.sampleWG)
		waitCtx(ctx, &a.auditWG)
		waitCtx(ctx, &a.evidenceWG)
		a.closeClients()
		a.closeErr = errors.Join(errs...)
		a.log.Info("aggregator stopped")
	})
	return a.closeErr
}

func waitCtx(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

func (a *Aggregator) closeClients() {
	if a.nc != nil {
		a.nc.Close()
	}
	if a.ownRedis && a.rdb != nil {
		_ = a.rdb.Close()
	}
}

func (a *Aggregator) connectRedis() error {
	if a.opts.Redis != nil {
		a.rdb = a.opts.Redis
		return nil
	}
	rdb, err := a.opts.Config.Redis.Client(a.opts.RedisURL)
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	a.rdb, a.ownRedis = rdb, true
	return nil
}

func (a *Aggregator) connectNATS() error {
	log := a.log.With("nats", redactedURL(a.opts.NATSURL))
	opts := []nats.Option{
		nats.Name("camwatch-aggregator"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: our own Close at shutdown
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("nats reconnected") }),
	}
	auth, err := natsauth.ClientOptions(a.opts.Config.NATS, "")
	if err != nil {
		return fmt.Errorf("aggregator: %w", err)
	}
	opts = append(opts, auth...)
	nc, err := nats.Connect(a.opts.NATSURL, append(opts, a.opts.NATSOptions...)...)
	if err != nil {
		return fmt.Errorf("nats connect %s: %w", redactedURL(a.opts.NATSURL), err)
	}
	a.nc = nc
	return nil
}

func (a *Aggregator) natsReady(context.Context) error {
	if s := a.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats %s", s)
	}
	return nil
}

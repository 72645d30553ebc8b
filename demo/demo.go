package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/broker"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/simcam"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Options tunes the demo; the zero value plus a Logger works.
type Options struct {
	// Listen is the aggregator's HTTP address (API, /metrics).
	Listen string
	// RedisURL is tried first; when nothing answers there, an embedded
	// in-memory server is used.
	RedisURL string
	// StatusEvery prints the camera table this often (0: every 15 s).
	StatusEvery time.Duration
	// Out receives the URLs and the camera table.
	Out    io.Writer
	Logger *slog.Logger
	// Registerer gets the aggregator's metrics; nil makes a new registry.
	Registerer prometheus.Registerer
	// Ready, when set, receives the aggregator's base URL once it serves.
	Ready func(baseURL string)
}

// Run starts everything, prints where to look, and blocks until ctx ends;
// then it shuts down in reverse order.
func Run(ctx context.Context, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:8080"
	}
	if opts.RedisURL == "" {
		opts.RedisURL = "redis://127.0.0.1:6379/0"
	}
	if opts.StatusEvery == 0 {
		opts.StatusEvery = 15 * time.Second
	}
	log := opts.Logger
	// The simulated cameras demand a password, as real ones do; it is made
	// here and handed over in memory, never on a command line.
	password := randomPassword()

	dir, err := os.MkdirTemp("", "camwatch-demo-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	// 1. NATS with JetStream, in process, with authorization on: the
	// aggregator and the edge agent each get their own credentials, as
	// `camwatch nats creds` makes them for a real deployment.
	var ecfg configs.Edge
	if err := parseExample("edge.yaml", &ecfg, password); err != nil {
		return err
	}
	// MQTT (nats-server's own listener) for Home Assistant: the
	// aggregator's bridge publishes, the homeassistant user reads.
	mqttBridgePW, mqttHAPW := randomPassword(), randomPassword()
	auth, err := natsauth.Generate(natsauth.Plan{
		Dir: filepath.Join(dir, "nats-auth"), Agents: []natsauth.Agent{{Site: ecfg.Site, Agent: ecfg.Agent}},
		MQTT: []natsauth.MQTTUser{{Name: "camwatch-bridge", Password: mqttBridgePW, Bridge: true}, {Name: "homeassistant", Password: mqttHAPW}},
	})
	if err != nil {
		return err
	}
	nsrv, err := broker.StartConfig(broker.Config{Dir: filepath.Join(dir, "nats"), Port: -1, MQTTPort: -1, AuthFile: auth.AuthFile})
	if err != nil {
		return err
	}
	defer nsrv.Shutdown()
	log.Info("embedded NATS JetStream started, authorization on", "url", nsrv.URL(), "authorization", auth.AuthFile)

	// 2. Redis, real or embedded.
	redisURL, closeRedis, err := pickRedis(ctx, opts.RedisURL, Prefix, log)
	if err != nil {
		return err
	}
	defer closeRedis()

	// 3. Simulated cameras, from the shipped example with local ports.
	var scfg configs.Simcam
	if err := parseExample("simcam.yaml", &scfg, password); err != nil {
		return err
	}
	sopts := simcam.OptionsFromConfig(&scfg)
	sopts.Listen, sopts.Control = "127.0.0.1:0", "127.0.0.1:0"
	sopts.Password = password
	sopts.Logger = log.With("component", "simcam")
	cams, err := simcam.Start(ctx, sopts)
	if err != nil {
		return fmt.Errorf("start simulated cameras: %w", err)
	}
	defer cams.Close()
	// The flaky camera's schedule drops it for 40 s every 3 minutes, the
	// first at 2 min 20 s; a one-off drop 20 s in makes its offline alert
	// fire within the demo's first minute.
	fctx, stopFirstDrop := context.WithCancel(ctx)
	defer stopFirstDrop()
	for _, c := range scfg.Cameras {
		if c.OfflineEvery > 0 {
			go firstDrop(fctx, cams, c.ID, 20*time.Second, c.OfflineFor, log)
		}
	}

	// 4. The aggregator.
	var acfg configs.Aggregator
	if err := parseExample("aggregator.yaml", &acfg, password); err != nil {
		return err
	}
	acfg.NATS.URL, acfg.NATS.CredsFile = nsrv.URL(), auth.AggregatorCreds
	acfg.Redis.URL, acfg.Redis.Password = redisURL, configs.Secret{}
	acfg.Redis.Prefix = Prefix
	acfg.Listen = opts.Listen
	acfg.MetricsListen = "127.0.0.1:0"
	acfg.HTTP.PublicURL = "http://" + opts.Listen
	acfg.MQTT = configs.MQTT{URL: "tcp://" + nsrv.MQTTAddr(), Username: "camwatch-bridge", Password: configs.NewSecret(mqttBridgePW), Interval: 2 * time.Second}
	// The shipped alert rules, from the embedded example.
	rules, err := configs.Examples.ReadFile("alerts.yaml")
	if err != nil {
		return err
	}
	// Alert transitions are signed; the demo makes its key.
	key, err := signing.GenerateKey()
	if err != nil {
		return err
	}
	acfg.Alerts.SigningKey = filepath.Join(dir, "alerts-signing.key")
	if err := signing.WriteKey(acfg.Alerts.SigningKey, key); err != nil {
		return err
	}
	// Evidence bundles are signed with the deployment's evidence key.
	ekey, err := signing.GenerateKey()
	if err != nil {
		return err
	}
	acfg.Evidence.Key = filepath.Join(dir, "evidence.key")
	if err := signing.WriteKey(acfg.Evidence.Key, ekey); err != nil {
		return err
	}
	acfg.Evidence.ClipsMaxBytes = 256 << 20
	acfg.Alerts.Rules = filepath.Join(dir, "alerts.yaml")
	rules = append(rules, demoRules...)
	if err := os.WriteFile(acfg.Alerts.Rules, rules, 0o600); err != nil {
		return fmt.Errorf("write alert rules: %w", err)
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	// A generated month of history goes before the cameras' real one,
	// marked as such on every console page.
	historyEnd := time.Now().Add(-time.Minute)
	aopts := aggregator.OptionsFromConfig(&acfg, log.With("component", "aggregator"), reg)
	aopts.ConsoleNotice = historyNotice(historyEnd, siteZone(acfg.TimeZone))
	agg, err := aggregator.Start(ctx, aopts)
	if err != nil {
		return fmt.Errorf("start aggregator: %w", err)
	}
	defer agg.Close()
	base := "http://" + agg.Addr()
	users, statusToken, err := demoUsers(ctx, agg)
	if err != nil {
		return fmt.Errorf("demo users: %w", err)
	}

	// 5. The edge agent, watching the simulated cameras.
	ecfg.NATS.URL, ecfg.NATS.CredsFile = nsrv.URL(), auth.AgentCreds[ecfg.Site+"/"+ecfg.Agent]
	ecfg.SpoolDir = filepath.Join(dir, "spool")
	ecfg.MetricsListen = ""
	ecfg.Timing.StatsInterval = 10 * time.Second
	// Thumbnails every minute, so the camera list's pictures visibly move.
	ecfg.Snapshots.ThumbnailInterval = time.Minute
	for i := range ecfg.Cameras {
		c := &ecfg.Cameras[i]
		u, err := url.Parse(cams.URL(c.ID))
		if err != nil || u.Host == "" {
			return fmt.Errorf("camera %s is in edge.yaml but not in simcam.yaml", c.ID)
		}
		c.URL = u.String()
	}
	eopts := edge.OptionsFromConfig(&ecfg, log.With("component", "edge"), prometheus.NewRegistry())
	eopts.Version = "demo"
	ectx, stopEdge := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var edgeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := edge.Run(ectx, eopts); err != nil && !errors.Is(err, context.Canceled) {
			edgeErr = err
			log.Error("edge agent stopped", "err", err)
		}
	}()
	defer func() { stopEdge(); wg.Wait() }()

	ropt, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("demo redis: %w", err)
	}
	rdb := redis.NewClient(ropt) // the seeding's own, closed when it ends
	var refs []event.CameraRef
	flaky := map[string]bool{}
	for _, c := range ecfg.Cameras {
		refs = append(refs, event.CameraRef{Site: ecfg.Site, Camera: c.ID})
	}
	for _, c := range scfg.Cameras {
		flaky[c.ID] = c.OfflineEvery > 0
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer rdb.Close()
		store := camstate.New(rdb, camstate.Options{Prefix: Prefix})
		rules, err := alerts.LoadFile(acfg.Alerts.Rules)
		if err != nil {
			log.Warn("the demo's generated alerts are missing: rules", "err", err)
		}
		astore := alerts.NewStore(rdb, Prefix, acfg.Alerts.History)
		if err := seedHistory(ectx, store, astore, rules, refs, flaky, historyEnd, 2*time.Minute, log); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("the demo's generated month of history is missing", "err", err)
		}
	}()

	printWelcome(opts.Out, base, "http://"+agg.MetricsAddr(), cams, &ecfg, users)
	fmt.Fprintf(opts.Out, "MQTT for Home Assistant    mqtt://%s  user homeassistant, password %s\n"+
		"  (cameras appear by discovery under homeassistant/; state on camwatch/cameras/<site>/<id>/{state,online,motion,alert}; docs/mqtt.md)\n\n",
		nsrv.MQTTAddr(), mqttHAPW)
	if opts.Ready != nil {
		opts.Ready(base)
	}
	t := time.NewTicker(opts.StatusEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(opts.Out, "\nshutting down: edge agent, aggregator, cameras, Redis, NATS ...")
			stopEdge()
			wg.Wait()
			return edgeErr
		case <-t.C:
			printStatus(ctx, opts.Out, base, statusToken, siteZone(acfg.TimeZone))
		}
	}
}

// parseExample loads a shipped example config, with the demo's password in
// place of the environment variable the example names.
func parseExample(name string, v configs.Validator, password string) error {
	data, err := configs.Examples.ReadFile(name)
	if err != nil {
		return err
	}
	if _, set := os.LookupEnv("SIMCAM_PASSWORD"); !set {
		os.Setenv("SIMCAM_PASSWORD", password)
		defer os.Unsetenv("SIMCAM_PASSWORD")
	}
	// The example aggregator reads Redis's password (compose sets one);
	// the demo's Redis is local, so the demo drops it again.
	if _, set := os.LookupEnv("MQTT_BRIDGE_PASSWORD"); !set {
		os.Setenv("MQTT_BRIDGE_PASSWORD", "replaced-by-the-demo")
		defer os.Unsetenv("MQTT_BRIDGE_PASSWORD")
	}
	if _, set := os.LookupEnv("REDIS_PASSWORD"); !set {
		os.Setenv("REDIS_PASSWORD", "unused-by-the-demo")
		defer os.Unsetenv("REDIS_PASSWORD")
	}
	if err := configs.Parse(data, v); err != nil {
		return fmt.Errorf("example %s: %w", name, err)
	}
	return nil
}

func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// siteZone is the aggregator's configured zone, for the demo's table.
func siteZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// demoRules are added to the shipped rules so that the live alert feed
// shows something in the demo's first two minutes: the shipped ones wait
// minutes (or for the evening) before they fire.
var demoRules = []byte(`
  # Added by the demo (not in configs/alerts.yaml).
  - id: demo-offline
    description: "Demo: a camera offline for 20 s (tdp7-alley-02 drops out 40 s every 3 minutes)"
    trigger: {type: offline, for: 20s}
    severity: warning
  - id: demo-motion
    description: "Demo: motion on the Ben Nghe street cameras (armed: programs are armed unless disarmed)"
    trigger: {type: motion, min_duration: 1s, group: 1m}
    match: {programs: [ben-nghe-street-cameras]}
    severity: info
`)

// firstDrop takes camera id offline for d once, after the given delay.
func firstDrop(ctx context.Context, cams *simcam.Server, id string, after, d time.Duration, log *slog.Logger) {
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		if err := cams.Fault(id, simcam.Fault{Kind: simcam.FaultOffline, For: d}); err != nil {
			log.Warn("the flaky camera's first drop did not happen", "camera", id, "err", err)
		}
	}
}

package aggregator

import (
	"context"
	"errors"
	"fmt"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrAlertsOff is returned by ReloadAlerts when no rules file is configured.
var ErrAlertsOff = errors.New("alerts are not configured (alerts.rules)")

// startAlerts prepares the alerts runner when a rules file is configured;
// a bad file stops the start, so a typo is seen at once.
func (a *Aggregator) startAlerts(ctx context.Context, js jetstream.JetStream) error {
	cfg := a.opts.Config
	if cfg.Alerts.Rules == "" {
		a.log.Info("alerts off: no alerts.rules file configured")
		return nil
	}
	rules, err := alerts.LoadFile(cfg.Alerts.Rules)
	if err != nil {
		return err
	}
	var check func(*alerts.Rules) error
	if path := cfg.Alerts.Receivers; path != "" {
		if a.receivers, err = loadReceivers(path, rules); err != nil {
			return err
		}
		check = func(r *alerts.Rules) error { return checkReceivers(r, a.receivers, path) }
	}
	if err := alerts.EnsureStream(ctx, js, alerts.StreamOptions{MaxAge: cfg.Stream.MaxAge, Replicas: cfg.Stream.Replicas}); err != nil {
		return err
	}
	if err := a.loadSigningKey(); err != nil {
		return err
	}
	a.alerts, err = alerts.NewRunner(alerts.RunnerOptions{
		Signer: a.signer, Verifier: a.verifier,
		NATS: a.nc, JS: js, Redis: a.rdb, Prefix: cfg.Redis.Prefix,
		Rules: alerts.NewSet(rules), RulesPath: cfg.Alerts.Rules, CheckRules: check, EventsStream: cfg.Stream.Name,
		Tick: cfg.Alerts.Tick, LeaseTTL: cfg.Alerts.LeaseTTL, AgentTimeout: cfg.AgentTimeout,
		History: cfg.Alerts.History, Batch: cfg.Consumer.Batch, MaxSkew: cfg.Admission.MaxSkew,
		Logger: a.opts.Logger.With("component", "alerts"), Registerer: a.opts.Registerer,
	})
	return err
}

// Alerts is the alerts runner, or nil when alerts are off.
func (a *Aggregator) Alerts() *alerts.Runner { return a.alerts }

// ReloadAlerts rereads the rules file on every replica (SIGHUP); on error
// the rules in force stay and the error says why.
func (a *Aggregator) ReloadAlerts(ctx context.Context) error {
	if a.alerts == nil {
		return ErrAlertsOff
	}
	if err := a.alerts.Reload(ctx); err != nil {
		return fmt.Errorf("reload alerts: %w", err)
	}
	return nil
}

// loadSigningKey reads alerts.signing_key, or makes a key for this
// replica alone (logged: a second replica would not accept its
// transitions).
func (a *Aggregator) loadSigningKey() error {
	path := a.opts.Config.Alerts.SigningKey
	var err error
	if path == "" {
		if a.signer, err = signing.GenerateKey(); err != nil {
			return err
		}
		a.log.Warn("alerts.signing_key not set: transitions are signed with a key made for this process; set it (camwatch keygen) when running more than one replica",
			"key_id", a.signer.ID())
	} else if a.signer, err = signing.LoadKey(path); err != nil {
		return fmt.Errorf("alerts.signing_key: %w", err)
	}
	a.verifier = signing.NewVerifier(a.signer.Public())
	return nil
}

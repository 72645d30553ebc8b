package aggregator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/mqttbridge"
	"github.com/camwatch/camwatch/notify"
	"github.com/camwatch/camwatch/programs"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// ErrUnknownReceiver means an alert rule names a receiver that the
// receivers file does not define; its notifications would go nowhere.
var ErrUnknownReceiver = errors.New("alert rule names an unknown receiver")

// delivery is the webhook side of the aggregator: a notifier on every
// replica (they share the durable consumers, so each notification is sent
// by one of them) and the reports of sent notifications to the leader.
type delivery struct {
	n        *notify.Notifier
	cancel   context.CancelFunc
	sends    sync.WaitGroup
	sendCtx  context.Context
	stopSend context.CancelFunc
	lost     prometheus.Counter
}

// loadReceivers reads the receivers file strictly (secrets from the
// environment) and checks that every receiver rules names is in it.
func loadReceivers(path string, rules *alerts.Rules) (*notify.File, error) {
	var f notify.File
	if err := configs.Load(path, &f); err != nil {
		return nil, fmt.Errorf("alerts.receivers: %w", err)
	}
	if err := checkReceivers(rules, &f, path); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkReceivers reports the first rule naming a receiver f lacks.
func checkReceivers(rules *alerts.Rules, f *notify.File, path string) error {
	known := make([]string, 0, len(f.Receivers))
	for _, r := range f.Receivers {
		known = append(known, r.Name)
	}
	for _, r := range rules.Rules {
		names := slices.Clone(r.Receivers)
		fields := make([]string, len(names))
		for i := range names {
			fields[i] = fmt.Sprintf("receivers[%d]", i)
		}
		if r.Escalation != nil {
			names, fields = append(names, r.Escalation.Receiver), append(fields, "escalation.receiver")
		}
		for i, name := range names {
			if !slices.Contains(known, name) {
				return fmt.Errorf("%w: rule %q %s names receiver %q, which %s does not define (it has %v)",
					ErrUnknownReceiver, r.ID, fields[i], name, path, known)
			}
		}
	}
	return nil
}

// startDelivery runs the notifier when alerts.receivers is set.
func (a *Aggregator) startDelivery(js jetstream.JetStream, f *notify.File) error {
	if f == nil {
		return nil
	}
	d := &delivery{lost: prometheus.NewCounter(prometheus.CounterOpts{
		Name: "camwatch_notifications_unrecorded_total",
		Help: "Notifications sent whose sending could not be reported to the alerts evaluator (their cooldown starts at the firing instead).",
	})}
	if err := a.opts.Registerer.Register(d.lost); err != nil {
		return fmt.Errorf("register delivery metrics: %w", err)
	}
	d.sendCtx, d.stopSend = context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	n, err := notify.Start(ctx, notify.Options{
		JS: js, Receivers: f.Receivers, Registerer: a.opts.Registerer,
		Logger: a.opts.Logger.With("component", "notify"),
		OnSent: a.onSent, Backoff: a.opts.NotifyBackoff, Verifier: a.verifier,
		Names: programs.FromConfig(&a.opts.Config), Location: a.zone(), PublicURL: a.opts.Config.HTTP.PublicURL,
		Snapshots: a.store,
	})
	if err != nil {
		cancel()
		d.stopSend()
		return err
	}
	d.n, d.cancel = n, cancel
	a.delivery = d
	return nil
}

// onSent tells the evaluating replica that a notification announcing a
// problem (firing or escalated) was accepted, so the rule's cooldown counts
// from it. It must not hold up the receiver's queue, so the report runs on
// its own; during a takeover it is retried until a leader answers.
func (a *Aggregator) onSent(t alerts.Transition, receiver string, at time.Time) {
	if t.Kind != alerts.TransitionFiring && t.Kind != alerts.TransitionEscalated {
		return
	}
	d := a.delivery
	d.sends.Go(func() {
		ctx, cancel := context.WithTimeout(d.sendCtx, 2*a.opts.Config.Alerts.LeaseTTL+5*time.Second)
		defer cancel()
		for {
			err := a.alerts.Notified(ctx, t.Alert.Key, at)
			if err == nil {
				return
			}
			if !errors.Is(err, alerts.ErrNoLeader) || ctx.Err() != nil {
				d.lost.Inc()
				a.log.Warn("sent notification not recorded; its cooldown counts from the firing",
					"transition", t.ID, "receiver", receiver, "err", err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	})
}

// stop ends delivery: a POST in flight finishes and is acked, then the
// reports of sends still running get until ctx ends.
func (d *delivery) stop(ctx context.Context) bool {
	d.n.Close()
	d.cancel()
	ok := waitCtx(ctx, &d.sends)
	d.stopSend()
	d.sends.Wait()
	return ok
}

// zone is the site's time zone (validated with the config), for the
// times people read in notifications.
func (a *Aggregator) zone() *time.Location {
	if loc, err := time.LoadLocation(a.opts.Config.TimeZone); err == nil && a.opts.Config.TimeZone != "" {
		return loc
	}
	return nil
}

// startMQTT runs the MQTT bridge when mqtt.url is set: every replica
// connects, the evaluating one publishes (retained state is the same from
// any of them).
func (a *Aggregator) startMQTT() error {
	m := a.opts.Config.MQTT
	if m.URL == "" {
		return nil
	}
	o := mqttbridge.Options{
		Broker: m.URL, Username: m.Username, Password: m.Password, Prefix: m.Prefix, DiscoveryPrefix: m.DiscoveryPrefix,
		Interval: m.Interval, Lang: programs.ParseLang(m.Lang), Names: programs.FromConfig(&a.opts.Config),
		Cameras: a.store, Logger: a.opts.Logger.With("component", "mqtt"), Registry: a.opts.Registerer,
		ClientID: "camwatch-bridge-" + a.opts.Config.Consumer.Durable + "-" + randomSuffix(),
	}
	if a.alerts != nil { // never a typed nil in the interface
		o.Feed, o.Publishing = a.alerts, a.alerts.Leading
	}
	b, err := mqttbridge.Start(context.Background(), o)
	if err != nil {
		return fmt.Errorf("mqtt: %w", err)
	}
	a.bridge = b
	return nil
}

// randomSuffix keeps replicas' MQTT client ids apart (the broker drops
// the older session of a repeated id).
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

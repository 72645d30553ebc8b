package mqttbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"
)

// Cameras is what the bridge reads the state from (*camstate.Store).
type Cameras interface {
	Cameras(ctx context.Context) ([]camstate.Camera, error)
}

// Feed is the verified live feed of alert transitions (*alerts.Runner).
type Feed interface {
	Subscribe(ctx context.Context, after uint64) (<-chan alerts.FeedItem, error)
}

// Options wire a bridge.
type Options struct {
	// Broker is the MQTT listener, tcp://host:port (or ssl://).
	Broker   string
	Username string
	Password configs.Secret
	// Prefix starts every camwatch topic (default "camwatch");
	// DiscoveryPrefix is Home Assistant's (default "homeassistant").
	Prefix, DiscoveryPrefix string
	// Interval is how often camera state is compared and changes
	// published (default 2s).
	Interval time.Duration
	// Lang is the language of the names in discovery payloads.
	Lang     programs.Lang
	Names    *programs.Directory
	Cameras  Cameras
	Feed     Feed
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// ClientID names the MQTT session (default "camwatch-bridge").
	ClientID string
	// Publishing, when set, says whether this replica publishes now (the
	// alerts leader); nil always publishes. Retained state is the same
	// from every replica, so a handover publishes nothing wrong.
	Publishing func() bool
}

// Bridge is a running MQTT publisher.
type Bridge struct {
	o      Options
	c      paho.Client
	log    *slog.Logger
	mu     sync.Mutex
	last   map[event.CameraRef]cameraState // camera → what was published
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   *prometheus.CounterVec
	errs   prometheus.Counter
}

// cameraState is the retained JSON of camwatch/cameras/<id>/state.
type cameraState struct {
	Camera   string       `json:"camera"`
	Name     string       `json:"name"`
	Site     string       `json:"site"`
	Program  string       `json:"program,omitempty"`
	Ward     string       `json:"ward,omitempty"`
	Status   event.Status `json:"status"`
	Degraded bool         `json:"degraded"`
	Reason   event.Reason `json:"reason,omitempty"`
	Since    *time.Time   `json:"since,omitempty"`
	Motion   bool         `json:"motion"`
	FPS      float64      `json:"fps"`
	// Snapshot is the latest picture's event id (fetch it from the API).
	Snapshot string `json:"snapshot,omitempty"`
}

// ErrBroker means the MQTT listener could not be reached or refused the
// bridge's credentials.
var ErrBroker = errors.New("mqtt broker")

// Start connects (waiting up to ten seconds), announces the bridge
// online (with a last will saying offline) and runs until Close.
func Start(ctx context.Context, o Options) (*Bridge, error) {
	if o.Prefix == "" {
		o.Prefix = "camwatch"
	}
	if o.DiscoveryPrefix == "" {
		o.DiscoveryPrefix = "homeassistant"
	}
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.ClientID == "" {
		o.ClientID = "camwatch-bridge"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	b := &Bridge{o: o, log: o.Logger, last: map[event.CameraRef]cameraState{},
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_mqtt_published_total", Help: "MQTT messages the bridge published, by kind (state, discovery, alert)."}, []string{"kind"}),
		errs: prometheus.NewCounter(prometheus.CounterOpts{Name: "camwatch_mqtt_publish_errors_total", Help: "MQTT publishes that failed (broker gone, refused); retried at the next interval."}),
	}
	for _, c := range []prometheus.Collector{b.sent, b.errs} {
		if err := o.Registry.Register(c); err != nil {
			return nil, fmt.Errorf("mqtt metrics: %w", err)
		}
	}
	for _, k := range []string{"state", "discovery", "alert"} {
		b.sent.WithLabelValues(k)
	}
	co := paho.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).SetUsername(o.Username).
		SetPassword(o.Password.Reveal()).SetCleanSession(true).SetAutoReconnect(true).
		SetConnectTimeout(5*time.Second).SetWill(b.availability(), "offline", 1, true).
		SetOnConnectHandler(func(paho.Client) { b.connected() })
	b.c = paho.NewClient(co)
	tok := b.c.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		err := tok.Error()
		if err == nil {
			err = errors.New("timeout")
		}
		return nil, fmt.Errorf("%w: connect %s: %v", ErrBroker, o.Broker, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	b.cancel = cancel
	b.wg.Go(func() { b.states(rctx) })
	if o.Feed != nil {
		b.wg.Go(func() { b.alerts(rctx) })
	}
	return b, nil
}

// Close says offline (retained), stops and disconnects.
func (b *Bridge) Close() {
	b.cancel()
	b.wg.Wait()
	b.publish("availability", b.availability(), true, []byte("offline"))
	b.c.Disconnect(500)
}

func (b *Bridge) availability() string { return b.o.Prefix + "/status" }

// Topic of one camera's item (state, online, motion, alert):
// <prefix>/cameras/<site>/<camera>/<item>, a camera being (site,
// camera).
func (b *Bridge) Topic(camera event.CameraRef, item string) string {
	return b.o.Prefix + "/cameras/" + camera.Site + "/" + camera.Camera + "/" + item
}

// connected runs on every (re)connect: the bridge is online, and every
// camera's retained topics are republished at the next pass.
func (b *Bridge) connected() {
	b.publish("availability", b.availability(), true, []byte("online"))
	b.mu.Lock()
	b.last = map[event.CameraRef]cameraState{}
	b.mu.Unlock()
}

func (b *Bridge) publish(kind, topic string, retain bool, payload []byte) bool {
	tok := b.c.Publish(topic, 1, retain, payload)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.errs.Inc()
		return false
	}
	if kind != "availability" {
		b.sent.WithLabelValues(kind).Inc()
	}
	return true
}

func (b *Bridge) states(ctx context.Context) {
	t := time.NewTicker(b.o.Interval)
	defer t.Stop()
	logged := false
	for {
		if b.o.Publishing == nil || b.o.Publishing() {
			if err := b.pass(ctx); err != nil && !logged && ctx.Err() == nil {
				b.log.Warn("mqtt bridge pass failed; retrying every interval (logged once)", "err", err)
				logged = true
			} else if err == nil {
				logged = false
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pass publishes what changed since the last pass: discovery for new
// cameras, then retained state, online and motion.
func (b *Bridge) pass(ctx context.Context) error {
	cams, err := b.o.Cameras.Cameras(ctx)
	if err != nil {
		return err
	}
	var failed error
	for i := range cams {
		c := &cams[i]
		ref := event.CameraRef{Site: c.Site, Camera: c.ID}
		st := b.stateOf(c)
		b.mu.Lock()
		prev, seen := b.last[ref]
		b.mu.Unlock()
		if seen && prev == st {
			continue
		}
		ok := true
		if !seen || prev.Name != st.Name || prev.Program != st.Program {
			ok = b.discovery(c, st) && ok
		}
		body, _ := json.Marshal(st)
		ok = b.publish("state", b.Topic(ref, "state"), true, body) && ok
		ok = b.publish("state", b.Topic(ref, "online"), true, onOff(st.Status == event.StatusOnline)) && ok
		ok = b.publish("state", b.Topic(ref, "motion"), true, onOff(st.Motion)) && ok
		if !ok {
			failed = fmt.Errorf("%w: publish failed for camera %s", ErrBroker, ref)
			continue
		}
		b.mu.Lock()
		b.last[ref] = st
		b.mu.Unlock()
	}
	return failed
}

func onOff(v bool) []byte {
	if v {
		return []byte("ON")
	}
	return []byte("OFF")
}

func (b *Bridge) stateOf(c *camstate.Camera) cameraState {
	st := cameraState{Camera: c.ID, Site: c.Site, Program: c.Labels.Program, Ward: c.Labels.Ward,
		Name: b.o.Names.CameraName(event.CameraRef{Site: c.Site, Camera: c.ID}, c.Labels.Location, b.o.Lang), Status: c.Status, Reason: c.Reason,
		Degraded: c.Status == event.StatusOnline && c.Reason != "", Motion: c.Motion, FPS: c.FPS}
	if c.Since != nil {
		t := c.Since.UTC()
		st.Since = &t
	}
	if c.Snapshot != nil {
		st.Snapshot = c.Snapshot.ID
	}
	return st
}

// discovery publishes Home Assistant's MQTT discovery configs (retained):
// one device per camera with a connectivity and a motion binary sensor.
func (b *Bridge) discovery(c *camstate.Camera, st cameraState) bool {
	dev := map[string]any{
		"identifiers":  []string{"camwatch_" + c.Site + "_" + c.ID},
		"name":         st.Name,
		"manufacturer": c.Labels.Vendor,
		"model":        c.Labels.Model,
		"suggested_area": func() string {
			if c.Labels.Program == "" {
				return ""
			}
			return b.o.Names.ProgramName(c.Labels.Program, b.o.Lang)
		}(),
		"via_device": "camwatch",
	}
	ok := true
	for _, s := range []struct{ item, class, label string }{
		{"online", "connectivity", map[programs.Lang]string{programs.VI: "Kết nối", programs.EN: "Online"}[b.o.Lang]},
		{"motion", "motion", map[programs.Lang]string{programs.VI: "Chuyển động", programs.EN: "Motion"}[b.o.Lang]},
	} {
		id := "camwatch_" + c.Site + "_" + c.ID + "_" + s.item
		cfg := map[string]any{
			"name":                  s.label,
			"unique_id":             id,
			"object_id":             id,
			"device_class":          s.class,
			"state_topic":           b.Topic(event.CameraRef{Site: c.Site, Camera: c.ID}, s.item),
			"payload_on":            "ON",
			"payload_off":           "OFF",
			"availability_topic":    b.availability(),
			"payload_available":     "online",
			"payload_not_available": "offline",
			"json_attributes_topic": b.Topic(event.CameraRef{Site: c.Site, Camera: c.ID}, "state"),
			"device":                dev,
		}
		body, _ := json.Marshal(cfg)
		ok = b.publish("discovery", b.o.DiscoveryPrefix+"/binary_sensor/"+id+"/config", true, body) && ok
	}
	return ok
}

// alertMessage is what camwatch/cameras/<id>/alert carries (not
// retained): the transition in short, with names.
type alertMessage struct {
	Kind     alerts.TransitionKind `json:"kind"`
	At       time.Time             `json:"at"`
	Alert    string                `json:"alert"`
	Rule     string                `json:"rule"`
	Trigger  alerts.TriggerType    `json:"trigger"`
	Severity alerts.Severity       `json:"severity"`
	State    alerts.AlertState     `json:"state"`
	Site     string                `json:"site"`
	Camera   string                `json:"camera"`
	Name     string                `json:"name"`
	Program  string                `json:"program,omitempty"`
}

// alerts forwards the verified live feed: only transitions that the
// aggregator signed reach MQTT.
func (b *Bridge) alerts(ctx context.Context) {
	for ctx.Err() == nil {
		feed, err := b.o.Feed.Subscribe(ctx, 0)
		if err != nil {
			b.log.Warn("mqtt bridge: alerts feed", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
			continue
		}
		for item := range feed {
			if b.o.Publishing != nil && !b.o.Publishing() {
				continue
			}
			var t alerts.Transition
			if err := json.Unmarshal(item.Data, &t); err != nil || !(event.CameraRef{Site: t.Alert.Site, Camera: t.Alert.Camera}).Valid() {
				continue
			}
			m := alertMessage{Kind: t.Kind, At: t.At, Alert: t.Alert.ID, Rule: t.Alert.Rule, Trigger: t.Alert.Trigger,
				Severity: t.Alert.Severity, State: t.Alert.State, Site: t.Alert.Site, Camera: t.Alert.Camera, Program: t.Alert.Labels.Program,
				Name: b.o.Names.CameraName(event.CameraRef{Site: t.Alert.Site, Camera: t.Alert.Camera}, t.Alert.Labels.Location, b.o.Lang)}
			body, _ := json.Marshal(m)
			b.publish("alert", b.Topic(event.CameraRef{Site: t.Alert.Site, Camera: t.Alert.Camera}, "alert"), false, body)
		}
	}
}

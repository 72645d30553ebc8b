package mqttbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/broker"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/testenv"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// fakeCameras is the camera state the bridge reads.
type fakeCameras struct {
	mu   sync.Mutex
	cams []camstate.Camera
}

func (f *fakeCameras) Cameras(context.Context) ([]camstate.Camera, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]camstate.Camera(nil), f.cams...), nil
}

func (f *fakeCameras) set(i int, st event.Status, reason event.Reason, motion bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cams[i].Status, f.cams[i].Reason, f.cams[i].Motion = st, reason, motion
}

// feed is an alerts feed the test writes to.
type feed chan alerts.FeedItem

// Subscribe forwards f until ctx ends, then closes, as the runner's does.
func (f feed) Subscribe(ctx context.Context, _ uint64) (<-chan alerts.FeedItem, error) {
	out := make(chan alerts.FeedItem)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case it := <-f:
				select {
				case out <- it:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// broker with the MQTT listener and camwatch's authorization: a bridge
// user and a Home Assistant (reader) user.
func startBroker(t *testing.T) (*broker.Embedded, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	pw := map[string]string{"camwatch-bridge": "bridge-s3cret", "homeassistant": "ha-s3cret"}
	res, err := natsauth.Generate(natsauth.Plan{Dir: filepath.Join(dir, "auth"), MQTT: []natsauth.MQTTUser{
		{Name: "camwatch-bridge", Password: pw["camwatch-bridge"], Bridge: true}, {Name: "homeassistant", Password: pw["homeassistant"]}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := broker.StartConfig(broker.Config{Dir: filepath.Join(dir, "js"), Port: -1, MQTTPort: -1, AuthFile: res.AuthFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv, pw
}

// recorder is an MQTT client (paho, as Home Assistant uses) that keeps
// the last message per topic and every message in order.
type recorder struct {
	mu   sync.Mutex
	last map[string]paho.Message
	all  []paho.Message
	c    paho.Client
}

func subscribe(t *testing.T, addr, user, pass, filter string) *recorder {
	t.Helper()
	r := &recorder{last: map[string]paho.Message{}}
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("test-%s-%d", user, time.Now().UnixNano())).
		SetUsername(user).SetPassword(pass).SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	r.c = paho.NewClient(o)
	if tok := r.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", user, tok.Error())
	}
	t.Cleanup(func() { r.c.Disconnect(100) })
	tok := r.c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.last[m.Topic()] = m
		r.all = append(r.all, m)
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return r
}

func (r *recorder) get(topic string) (paho.Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.last[topic]
	return m, ok
}

func (r *recorder) wait(t *testing.T, topic, payload string) paho.Message {
	t.Helper()
	var m paho.Message
	testenv.Eventually(t, 10*time.Second, func() error {
		var ok bool
		m, ok = r.get(topic)
		if !ok {
			return fmt.Errorf("nothing on %s", topic)
		}
		if payload != "" && string(m.Payload()) != payload {
			return fmt.Errorf("%s = %q, want %q", topic, m.Payload(), payload)
		}
		return nil
	})
	return m
}

var names = programs.New([]configs.Ward{{ID: "ben-nghe", Name: configs.Names{VI: "Phường Bến Nghé", EN: "Ben Nghe Ward"}}},
	[]configs.Program{{ID: "5plus1-tdp7", Kind: "five_plus_one", Ward: "ben-nghe", Name: configs.Names{VI: "Mô hình 5+1 tổ dân phố 7", EN: "5+1 group, neighbourhood 7"},
		Cameras: map[string]configs.Names{"cam-a": {VI: "Đầu hẻm 15", EN: "Alley 15 entrance"}}}})

// TestBridgeHomeAssistant: through nats-server's own MQTT listener, Home
// Assistant (a paho client with the reader user) finds each camera by
// discovery as two binary sensors, gets retained state (also when it
// subscribes later), every change, and alerts; the reader cannot publish
// camera state itself; the bridge's last will says offline.
func TestBridgeHomeAssistant(t *testing.T) {
	srv, pw := startBroker(t)
	addr := srv.MQTTAddr()
	since := time.Now().Add(-time.Minute).UTC().Round(time.Second)
	cams := &fakeCameras{cams: []camstate.Camera{
		{ID: "cam-a", Site: "q1", Status: event.StatusOnline, Since: &since, FPS: 15, Labels: event.Labels{Program: "5plus1-tdp7", Ward: "ben-nghe", Vendor: "ezviz", Model: "C6N"}},
		{ID: "cam-b", Site: "q1", Status: event.StatusOffline, Reason: event.ReasonRefused, Labels: event.Labels{Program: "5plus1-tdp7", Location: "Cuối hẻm 15"}},
	}}
	alertsIn := make(feed, 4)
	ha := subscribe(t, addr, "homeassistant", pw["homeassistant"], "homeassistant/#")
	state := subscribe(t, addr, "homeassistant", pw["homeassistant"], "camwatch/#")
	b, err := Start(context.Background(), Options{Broker: "tcp://" + addr, Username: "camwatch-bridge", Password: configs.NewSecret(pw["camwatch-bridge"]),
		Interval: 100 * time.Millisecond, Lang: programs.VI, Names: names, Cameras: cams, Feed: alertsIn})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			b.Close()
		}
	})

	cfgMsg := ha.wait(t, "homeassistant/binary_sensor/camwatch_q1_cam-a_motion/config", "")
	var cfg map[string]any
	if err := json.Unmarshal(cfgMsg.Payload(), &cfg); err != nil {
		t.Fatal(err)
	}
	dev, _ := cfg["device"].(map[string]any)
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"device class", cfg["device_class"], "motion"},
		{"state topic", cfg["state_topic"], "camwatch/cameras/q1/cam-a/motion"},
		{"availability", cfg["availability_topic"], "camwatch/status"},
		{"unique id", cfg["unique_id"], "camwatch_q1_cam-a_motion"},
		{"device name is the camera's name", dev["name"], "Đầu hẻm 15"},
		{"area is the program's name", dev["suggested_area"], "Mô hình 5+1 tổ dân phố 7"},
	} {
		if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
			t.Errorf("discovery %s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	online := ha.wait(t, "homeassistant/binary_sensor/camwatch_q1_cam-b_online/config", "")
	if err := json.Unmarshal(online.Payload(), &cfg); err != nil || cfg["device_class"] != "connectivity" {
		t.Errorf("online sensor config %s", online.Payload())
	}
	state.wait(t, "camwatch/status", "online")
	state.wait(t, "camwatch/cameras/q1/cam-a/online", "ON")
	state.wait(t, "camwatch/cameras/q1/cam-b/online", "OFF")
	st := state.wait(t, "camwatch/cameras/q1/cam-b/state", "")
	var s cameraState
	if err := json.Unmarshal(st.Payload(), &s); err != nil || s.Status != event.StatusOffline || s.Reason != event.ReasonRefused || s.Name != "Cuối hẻm 15" {
		t.Errorf("cam-b state %s (%v)", st.Payload(), err)
	}

	// A change is published; a late subscriber gets the retained state.
	cams.set(0, event.StatusOnline, "", true)
	state.wait(t, "camwatch/cameras/q1/cam-a/motion", "ON")
	cams.set(1, event.StatusOnline, event.ReasonFrozen, false)
	state.wait(t, "camwatch/cameras/q1/cam-b/online", "ON")
	late := subscribe(t, addr, "homeassistant", pw["homeassistant"], "camwatch/cameras/+/+/motion")
	m := late.wait(t, "camwatch/cameras/q1/cam-a/motion", "ON")
	if !m.Retained() {
		t.Error("a late subscriber's motion state is not a retained message")
	}

	lateHA := subscribe(t, addr, "homeassistant", pw["homeassistant"], "homeassistant/binary_sensor/+/config")
	if d := lateHA.wait(t, "homeassistant/binary_sensor/camwatch_q1_cam-a_online/config", ""); !d.Retained() {
		t.Error("discovery config is not retained: Home Assistant starting later would not find the camera")
	}

	// Alerts of the verified feed, with the camera's name.
	tr := alerts.Transition{ID: "a1/firing", Kind: alerts.TransitionFiring, At: time.Now().UTC(),
		Alert: alerts.Alert{ID: "a1", Rule: "r", Trigger: alerts.TriggerOffline, Camera: "cam-a", Site: "q1", State: alerts.StateFiring, Labels: event.Labels{Program: "5plus1-tdp7"}}}
	data, _ := json.Marshal(tr)
	alertsIn <- alerts.FeedItem{Seq: 1, Kind: tr.Kind, Data: data}
	am := state.wait(t, "camwatch/cameras/q1/cam-a/alert", "")
	var a alertMessage
	if err := json.Unmarshal(am.Payload(), &a); err != nil || a.Kind != alerts.TransitionFiring || a.Name != "Đầu hẻm 15" || am.Retained() {
		t.Errorf("alert message %s retained=%v (%v)", am.Payload(), am.Retained(), err)
	}

	// Home Assistant's user may read, not write: a forged "offline" never
	// reaches the subscribers and the retained state stays.
	tok := ha.c.Publish("camwatch/cameras/q1/cam-a/online", 1, true, "OFF")
	tok.WaitTimeout(5 * time.Second)
	time.Sleep(500 * time.Millisecond)
	if m, _ := state.get("camwatch/cameras/q1/cam-a/online"); string(m.Payload()) != "ON" {
		t.Errorf("the reader user published camera state: %q", m.Payload())
	}
	check := subscribe(t, addr, "homeassistant", pw["homeassistant"], "camwatch/cameras/q1/cam-a/online")
	check.wait(t, "camwatch/cameras/q1/cam-a/online", "ON")

	// Wrong password: refused.
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("intruder").SetUsername("homeassistant").SetPassword("guess").SetConnectTimeout(3 * time.Second)
	if tok := paho.NewClient(o).Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		t.Error("a wrong MQTT password was accepted")
	}

	b.Close()
	closed = true
	state.wait(t, "camwatch/status", "offline")
}

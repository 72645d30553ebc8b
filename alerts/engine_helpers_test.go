package alerts

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// labels are the demo's cameras, as configs/edge.yaml labels them.
var labels = map[string]event.Labels{
	"bn-leloi-01":   {Program: "ben-nghe-street-cameras", Ward: "ben-nghe", Vendor: "hikvision"},
	"bn-leloi-02":   {Program: "ben-nghe-street-cameras", Ward: "ben-nghe", Vendor: "hikvision"},
	"ht42-gate":     {Program: "boarding-house-hem-42", Ward: "ben-nghe", Vendor: "dahua"},
	"tdp7-alley-01": {Program: "5plus1-to-dan-pho-7", Ward: "ben-nghe", Vendor: "ezviz"},
}

const site, agentID = "hcm-q1-ben-nghe", "edge-01"

// harness feeds an Engine events stamped with the (fake) clock and keeps
// every transition it answered with.
type harness struct {
	t   *testing.T
	eng *Engine
	seq uint64
	log []Transition
	// silent stops the heartbeats run sends every 10 s, as a dead agent.
	silent bool
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	data, err := os.ReadFile("testdata/engine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, eng: NewEngine(NewSet(r), Options{})}
}

func (h *harness) observe(e *event.Event) []Transition {
	h.t.Helper()
	h.seq++
	e.Schema, e.ID, e.Site, e.Agent, e.Time, e.Seq = event.SchemaVersion, event.NewID(), site, agentID, time.Now(), h.seq
	if e.Kind.CameraScoped() {
		e.Labels = labels[e.Camera]
	}
	if err := e.Validate(); err != nil {
		h.t.Fatalf("test event invalid: %v", err)
	}
	trs, err := h.eng.Observe(e)
	if err != nil {
		h.t.Fatalf("observe %s: %v", e.Kind, err)
	}
	h.log = append(h.log, trs...)
	return trs
}

func (h *harness) health(cam string, st event.Status, reason event.Reason) []Transition {
	return h.observe(&event.Event{Kind: event.KindHealth, Camera: cam,
		Health: &event.Health{Status: st, Reason: reason, Since: time.Now()}})
}

func (h *harness) stats(cam string, fps float64) []Transition {
	return h.observe(&event.Event{Kind: event.KindStats, Camera: cam,
		Health: &event.Health{Status: event.StatusOnline, Since: time.Now(), FPS: fps, BitrateKbps: 512, WindowS: 10}})
}

func (h *harness) motion(cam string, kind event.Kind, score float64, zones ...string) []Transition {
	return h.observe(&event.Event{Kind: kind, Camera: cam,
		Motion: &event.Motion{Detector: "compressed", Score: score, Started: time.Now(), Zones: zones}})
}

func (h *harness) heartbeat() []Transition {
	return h.observe(&event.Event{Kind: event.KindHeartbeat,
		Heartbeat: &event.Heartbeat{Version: "test", Started: time.Now(), IntervalS: 10}})
}

// run ticks the engine once a second for d, with a heartbeat every 10 s
// unless the agent is silent.
func (h *harness) run(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(time.Second)
		if !h.silent && time.Now().Unix()%10 == 0 {
			h.heartbeat()
		}
		h.log = append(h.log, h.eng.Tick(time.Now())...)
	}
}

// summary lists the logged transitions as "kind rule/camera" strings.
func (h *harness) summary() []string {
	out := []string{}
	for _, tr := range h.log {
		who := tr.Alert.Camera
		if who == "" {
			who = "agent:" + tr.Alert.Agent
		}
		out = append(out, fmt.Sprintf("%s %s/%s", tr.Kind, tr.Alert.Rule, who))
	}
	return out
}

func (h *harness) want(want ...string) {
	h.t.Helper()
	if got := h.summary(); !slices.Equal(got, want) {
		h.t.Fatalf("transitions:\n got  %q\n want %q", got, want)
	}
}

func (h *harness) last() Transition {
	h.t.Helper()
	if len(h.log) == 0 {
		h.t.Fatal("no transitions")
	}
	return h.log[len(h.log)-1]
}

// runUntil jumps the fake clock to the next hh:mm in Ho Chi Minh City and
// ticks the engine once there.
func (h *harness) runUntil(hh, mm int) {
	loc := h.eng.rules.Rules().Location()
	now := time.Now().In(loc)
	target := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, loc)
	if !target.After(now) {
		target = target.AddDate(0, 0, 1)
	}
	time.Sleep(target.Sub(now))
	h.heartbeat()
	h.log = append(h.log, h.eng.Tick(time.Now())...)
}

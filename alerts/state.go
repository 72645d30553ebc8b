package alerts

import (
	"time"

	"github.com/camwatch/camwatch/event"
)

// State is everything the Engine remembers, in plain exported structs with
// JSON tags: a later step stores it in Redis so that several aggregator
// replicas (or a restarted one) continue the same alerts. Maps are keyed
// by CameraRef/AgentRef and by dedup key.
type State struct {
	Cameras map[string]*Camera `json:"cameras"`
	Agents  map[string]*Agent  `json:"agents"`
	// Open holds the alerts that are firing or acknowledged, by dedup key.
	Open map[string]*Alert `json:"open"`
	// LastNotified is when a notification for a dedup key was last actually
	// sent (see Engine.Notified); cooldowns count from it.
	LastNotified map[string]time.Time `json:"last_notified"`
	// Latched are dedup keys resolved by hand while their condition still
	// held; they do not fire again until the condition clears once.
	Latched     map[string]bool `json:"latched"`
	Silences    []Silence       `json:"silences"`
	Maintenance []Maintenance   `json:"maintenance"`
	// Disarmed programs raise no motion alerts (armed again from the API).
	Disarmed map[string]bool `json:"disarmed"`
}

// NewState returns an empty state ready for use.
func NewState() *State {
	s := &State{}
	s.init()
	return s
}

// init makes the maps of a state decoded from storage usable.
func (s *State) init() {
	if s.Cameras == nil {
		s.Cameras = map[string]*Camera{}
	}
	if s.Agents == nil {
		s.Agents = map[string]*Agent{}
	}
	if s.Open == nil {
		s.Open = map[string]*Alert{}
	}
	if s.LastNotified == nil {
		s.LastNotified = map[string]time.Time{}
	}
	if s.Latched == nil {
		s.Latched = map[string]bool{}
	}
	if s.Disarmed == nil {
		s.Disarmed = map[string]bool{}
	}
}

// Camera is what the engine knows about one camera from its events.
type Camera struct {
	Site   string       `json:"site"`
	ID     string       `json:"id"`
	Agent  string       `json:"agent"`
	Labels event.Labels `json:"labels"`
	// Seq and Epoch are of the last event applied, so that a forged seq
	// jump, a late event or an unannounced epoch cannot move the camera.
	Seq   uint64 `json:"seq,omitempty"`
	Epoch string `json:"epoch,omitempty"`
	// Status is online or offline as the agent reported it, or unknown
	// while the agent is lost.
	Status event.Status `json:"status"`
	Reason event.Reason `json:"reason,omitempty"`
	// Since is when Status last changed; ReasonSince when Reason did, so a
	// camera cycling through offline reasons stays offline since the start.
	Since       time.Time `json:"since"`
	ReasonSince time.Time `json:"reason_since"`
	// FPS and BitrateKbps are from the last health or stats event; Measured
	// says whether one has arrived since the camera came online.
	FPS         float64 `json:"fps"`
	BitrateKbps float64 `json:"bitrate_kbps"`
	Measured    bool    `json:"measured"`
	// Below is, per low_fps/low_bitrate rule id, when the figure first went
	// under that rule's threshold; rules may differ in thresholds.
	Below map[string]time.Time `json:"below,omitempty"`
	// Changes are the times of recent online/offline changes, for flapping.
	Changes []time.Time `json:"changes,omitempty"`
	Motion  Motion      `json:"motion"`
}

// maxChanges bounds Camera.Changes; no flapping rule needs more.
const maxChanges = 64

// Motion is a camera's current or last motion interval.
type Motion struct {
	Active  bool      `json:"active"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	// Duration is how long the last finished interval lasted.
	Duration time.Duration `json:"duration"`
	Score    float64       `json:"score"`
	Zones    []string      `json:"zones,omitempty"`
}

// Agent is what the engine knows about one edge agent.
type Agent struct {
	Site     string    `json:"site"`
	ID       string    `json:"id"`
	LastSeen time.Time `json:"last_seen"`
	// Lost is set when nothing came from the agent for the engine's agent
	// timeout; its cameras are then unknown, not offline.
	Lost      bool      `json:"lost"`
	LostSince time.Time `json:"lost_since"`
	// Epochs are the spool epochs the agent announced in heartbeats, the
	// newest first (at most 8).
	Epochs []string `json:"epochs,omitempty"`
}

// AlertState is where an alert is in its lifecycle.
type AlertState string

// Alert states: firing → acknowledged → resolved; resolved may also follow
// firing directly.
const (
	StateFiring       AlertState = "firing"
	StateAcknowledged AlertState = "acknowledged"
	StateResolved     AlertState = "resolved"
)

// Alert is one condition on one camera (or agent) under one rule: its dedup
// key stays the same however many events feed it.
type Alert struct {
	// ID is unique per occurrence (key and firing time), and is stable
	// across replicas that compute the same firing.
	ID       string       `json:"id"`
	Key      string       `json:"key"`
	Rule     string       `json:"rule"`
	Trigger  TriggerType  `json:"trigger"`
	Severity Severity     `json:"severity"`
	Site     string       `json:"site"`
	Agent    string       `json:"agent,omitempty"`
	Camera   string       `json:"camera,omitempty"`
	Labels   event.Labels `json:"labels"`
	State    AlertState   `json:"state"`
	// Since is when the condition began; FiredAt when the alert fired.
	Since   time.Time `json:"since"`
	FiredAt time.Time `json:"fired_at"`
	// Events counts the events that fed this alert (a motion burst across
	// zones is one alert with several events).
	Events int      `json:"events"`
	Zones  []string `json:"zones,omitempty"`
	// NotifiedTo lists the receivers told about this alert so far, so its
	// resolution reaches exactly them; Suppressed says why the firing was
	// not notified.
	NotifiedTo  []string  `json:"notified_to,omitempty"`
	Suppressed  string    `json:"suppressed,omitempty"`
	Ack         *Ack      `json:"ack,omitempty"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	// ResolvedBy is "condition" when the condition cleared, "rule" when the
	// rule was removed, otherwise the person who resolved it.
	ResolvedBy string `json:"resolved_by,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Ack records who took an alert on, so others need not.
type Ack struct {
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// CameraRef is the state key of a camera: ids are unique per site, so
// the key is the camera's event.CameraRef.
func CameraRef(site, camera string) string {
	return event.CameraRef{Site: site, Camera: camera}.String()
}

// AgentRef is the state key of an agent.
func AgentRef(site, agent string) string { return site + "/" + agent }

// CameraKey is the dedup key of a rule's alert on one camera.
func CameraKey(rule, site, camera string) string { return rule + "/" + site + "/camera/" + camera }

// AgentKey is the dedup key of a rule's alert on one agent.
func AgentKey(rule, site, agent string) string { return rule + "/" + site + "/agent/" + agent }

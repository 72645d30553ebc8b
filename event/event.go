package event

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the envelope version this build writes. Consumers accept
// events whose schema is at most this number and reject newer ones, so an
// old aggregator never misreads a newer agent.
const SchemaVersion = 1

// Kind says what an event reports; it is also the last part of its subject.
type Kind string

// The kinds of event an edge agent emits.
const (
	// KindHealth is sent on every change of a camera's status.
	KindHealth Kind = "health"
	// KindStats is the periodic snapshot of a camera's stream figures.
	KindStats Kind = "stats"
	// KindMotionStart opens a motion interval.
	KindMotionStart Kind = "motion.start"
	// KindMotionEnd closes the interval opened by the last motion.start.
	KindMotionEnd Kind = "motion.end"
	// KindHeartbeat proves an agent is alive; it names no camera.
	KindHeartbeat Kind = "heartbeat"
	// KindClip announces a finished event clip (pre-roll, the motion and
	// post-roll as MP4) stored in the clips object store: it comes after
	// the motion.end it belongs to, once the clip's digest is known.
	KindClip Kind = "clip"
)

// Kinds lists every kind in a stable order, for metrics and docs.
var Kinds = []Kind{KindHealth, KindStats, KindMotionStart, KindMotionEnd, KindHeartbeat, KindClip}

// Known reports whether k is a kind this build understands.
func (k Kind) Known() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// CameraScoped reports whether events of this kind belong to one camera.
func (k Kind) CameraScoped() bool { return k != KindHeartbeat }

// Labels place a camera in the community that runs it; reports and alert
// rules group and filter by them.
type Labels struct {
	// Program is the community camera program, e.g. a ward street-camera
	// program, a self-managed boarding house or a "5+1" group.
	Program  string `json:"program,omitempty" yaml:"program"`
	Ward     string `json:"ward,omitempty" yaml:"ward"`
	Location string `json:"location,omitempty" yaml:"location"`
	Vendor   string `json:"vendor,omitempty" yaml:"vendor"`
	Model    string `json:"model,omitempty" yaml:"model"`
}

// Event is the envelope of everything an edge agent reports. Exactly one
// payload field matches Kind.
type Event struct {
	Schema int       `json:"schema"`
	ID     string    `json:"id"`
	Kind   Kind      `json:"kind"`
	Site   string    `json:"site"`
	Agent  string    `json:"agent"`
	Camera string    `json:"camera,omitempty"`
	Labels Labels    `json:"labels"`
	Time   time.Time `json:"time"`
	// Seq counts a camera's events (an agent's, for heartbeats) from 1,
	// without gaps, across agent restarts; consumers use it to prove that
	// nothing was lost or repeated.
	Seq uint64 `json:"seq"`
	// Epoch names the life of the agent's spool that numbered Seq: a
	// wiped spool starts a new epoch and its seqs again at 1. The agent
	// announces its epoch in every heartbeat; an event of an epoch its
	// agent has not announced cannot reset a camera's seq.
	Epoch string `json:"epoch,omitempty"`

	Health    *Health    `json:"health,omitempty"`
	Motion    *Motion    `json:"motion,omitempty"`
	Heartbeat *Heartbeat `json:"heartbeat,omitempty"`
	Clip      *Clip      `json:"clip,omitempty"`
	// Snapshot, on motion.start and on health events that raise a picture
	// fault, names the JPEG published alongside.
	Snapshot *Snapshot `json:"snapshot,omitempty"`
}

// Status is a camera's availability as its agent sees it.
type Status string

// Camera statuses.
const (
	StatusOnline  Status = "online"
	StatusOffline Status = "offline"
	// StatusUnknown is set by the aggregator, never by an agent: the agent
	// that watches the camera has gone silent.
	StatusUnknown Status = "unknown"
)

// Reason says why a camera is offline.
type Reason string

// Offline reasons, from the first thing that went wrong.
const (
	ReasonRefused      Reason = "refused"       // TCP connection refused or host unreachable
	ReasonAuthFailed   Reason = "auth_failed"   // the camera rejected the credentials
	ReasonNotFound     Reason = "not_found"     // the camera answered 404 for the path
	ReasonTimeout      Reason = "timeout"       // connect or RTSP handshake took too long
	ReasonStalled      Reason = "stalled"       // the session is open but frames stopped
	ReasonCodecMissing Reason = "codec_missing" // no usable video track or parameter sets
	ReasonProtocol     Reason = "protocol"      // the peer broke the RTSP/RTP protocol
	ReasonClosed       Reason = "closed"        // the camera ended the session
	ReasonStarting     Reason = "starting"      // no frame seen yet since the agent started
)

// Picture reasons: the camera is online but its picture is unusable. They
// are the alert triggers of the same names; when several hold, Reason
// names the first in this order and Health.Tamper lists them all.
const (
	ReasonBlack       Reason = "black"        // lens covered or picture black
	ReasonFrozen      Reason = "frozen"       // frames flow, the picture does not change
	ReasonSceneChange Reason = "scene_change" // the camera was moved or turned
	ReasonBlurred     Reason = "blurred"      // defocused, smeared or fogged lens
)

// Detection reasons: the camera is online (packets arrive) but camwatch
// cannot watch it. The agent reports them instead of a silent "online", and
// the aggregator counts the camera degraded (docs/operations.md says what
// a technician does about each).
const (
	// ReasonNoFrames: packets arrive but no complete frame comes of them
	// (framing the client cannot delimit, no slices).
	ReasonNoFrames Reason = "no_frames"
	// ReasonUndecodable: the pixel decoder has refused every access unit
	// for seconds (a codec or profile it cannot decode, broken framing).
	ReasonUndecodable Reason = "undecodable"
	// ReasonDetectionUnavailable: the configured detector cannot work on
	// this camera (no decoder in this build, a flat compressed signal with
	// only the compressed tier).
	ReasonDetectionUnavailable Reason = "detection_unavailable"
)

// DetectionReasons lists the detection reasons in priority order.
var DetectionReasons = []Reason{ReasonNoFrames, ReasonUndecodable, ReasonDetectionUnavailable}

// TamperReasons lists the picture reasons in priority order.
var TamperReasons = []Reason{ReasonBlack, ReasonFrozen, ReasonSceneChange, ReasonBlurred}

// Tamper is one picture fault in force on an online camera.
type Tamper struct {
	Kind  Reason    `json:"kind"`
	Since time.Time `json:"since"`
}

// Snapshot references a small JPEG of the frame that raised a motion
// start or a picture fault. It travels separately, on
// camwatch.snapshots.<site>.<agent>.<camera> with the event's id as message
// id, so the event stays small and exactly-once while the picture is
// best-effort. SHA256 is the JPEG's digest, computed at the edge: the
// aggregator stores only a picture whose digest the event names.
type Snapshot struct {
	ID     string `json:"id"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// Health is the payload of health and stats events: the camera's status and
// the figures measured from frames actually delivered.
type Health struct {
	Status Status `json:"status"`
	Reason Reason `json:"reason,omitempty"`
	// Detail is a short human text for the reason, with credentials removed.
	Detail string `json:"detail,omitempty"`
	// Since is when the camera entered Status.
	Since time.Time `json:"since"`

	Codec  string `json:"codec,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// FPS and BitrateKbps are averaged over WindowS seconds.
	FPS         float64 `json:"fps"`
	BitrateKbps float64 `json:"bitrate_kbps"`
	// KeyframeIntervalS is the time between the last two keyframes.
	KeyframeIntervalS float64 `json:"keyframe_interval_s"`
	WindowS           float64 `json:"window_s,omitempty"`
	Frames            uint64  `json:"frames"`
	Reconnects        uint64  `json:"reconnects"`
	// LastFrameAgeMS is how long ago the last frame arrived; -1 if none has.
	LastFrameAgeMS int64 `json:"last_frame_age_ms"`
	// Tamper lists the picture faults in force, in priority order; empty
	// when the picture is fine or not watched.
	Tamper []Tamper `json:"tamper,omitempty"`
}

// Motion is the payload of motion.start and motion.end events.
type Motion struct {
	// Detector names the tier that saw the motion: "compressed" or "pixel".
	Detector string  `json:"detector"`
	Score    float64 `json:"score"`
	// Started is when the interval began; on motion.end it pairs the two.
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s,omitempty"`
	Zones     []string  `json:"zones,omitempty"`
}

// Clip is the payload of a clip event: an MP4 of the camera's own
// compressed frames (no re-encoding) from the pre-roll before a motion
// start to the post-roll after its end, uploaded by the agent to the
// clips object store under Object. SHA256 is computed at the edge over
// the MP4's bytes, so the chain of custody starts at the agent.
type Clip struct {
	// Object is the name in the clips bucket:
	// <site>/<agent>/<camera>/<motion event id>.mp4.
	Object string `json:"object"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
	// Motion is the id of the motion.start event the clip belongs to.
	Motion string `json:"motion"`
	// Start and End are the times of the first and last frame.
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	DurationMS int64     `json:"duration_ms"`
	Frames     int       `json:"frames"`
	Codec      string    `json:"codec"`
	// Truncated says the clip hit its length cap before the motion ended.
	Truncated bool `json:"truncated,omitempty"`
}

// ClipObject is the object name of the clip of motion event id.
func ClipObject(site, agent, camera, motion string) string {
	return site + "/" + agent + "/" + camera + "/" + motion + ".mp4"
}

// Heartbeat is the payload of an agent's heartbeat.
type Heartbeat struct {
	Version   string    `json:"version"`
	Started   time.Time `json:"started"`
	IntervalS float64   `json:"interval_s"`
	Cameras   int       `json:"cameras"`
	Online    int       `json:"online"`
	// Backlog is how many events wait in the agent's disk spool.
	Backlog int64 `json:"backlog"`
	// Dropped counts events the spool discarded because it was full.
	Dropped uint64 `json:"dropped"`
	// Epoch is the agent's spool epoch (see Event.Epoch).
	Epoch string `json:"epoch,omitempty"`
}

// NewID returns a fresh event id: 16 random bytes, hex. Ids are made once,
// when the event is created, and travel with it through every retry, so
// that JetStream and Redis can both recognise a repeat.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("event: crypto/rand failed: %v", err)) // cannot happen on Linux
	}
	return hex.EncodeToString(b[:])
}

// Marshal encodes e as JSON.
func Marshal(e *Event) ([]byte, error) { return json.Marshal(e) }

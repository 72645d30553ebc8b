package camstate

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Camera is a camera's current state as the API shows it: the last status
// its agent reported, the latest stream figures and motion, and whether the
// agent is still heard from.
type Camera struct {
	// Ref is the camera's identity, "<site>/<camera>": ids are unique
	// per site only. ID and Site are its two parts.
	Ref    event.CameraRef `json:"ref"`
	ID     string          `json:"id"`
	Site   string          `json:"site"`
	Agent  string          `json:"agent"`
	Labels event.Labels    `json:"labels"`
	// Status is what the agent last reported, or unknown when the agent has
	// been silent longer than the agent timeout.
	Status event.Status `json:"status"`
	// Reported is the agent's last status even when Status is unknown.
	Reported event.Status `json:"reported_status,omitempty"`
	Reason   event.Reason `json:"reason,omitempty"`
	Detail   string       `json:"detail,omitempty"`
	Since    *time.Time   `json:"since,omitempty"`

	Codec             string  `json:"codec,omitempty"`
	Width             int     `json:"width,omitempty"`
	Height            int     `json:"height,omitempty"`
	FPS               float64 `json:"fps"`
	BitrateKbps       float64 `json:"bitrate_kbps"`
	KeyframeIntervalS float64 `json:"keyframe_interval_s"`
	Frames            uint64  `json:"frames"`
	Reconnects        uint64  `json:"reconnects"`
	LastFrameAgeMS    int64   `json:"last_frame_age_ms"`

	Motion      bool       `json:"motion"`
	MotionSince *time.Time `json:"motion_since,omitempty"`
	// Snapshot is the camera's latest stored picture (motion start,
	// picture fault or the edge's periodic thumbnail), if any is kept.
	Snapshot *LatestSnapshot `json:"snapshot,omitempty"`

	LastSeq   uint64     `json:"last_seq"`
	LastKind  event.Kind `json:"last_kind"`
	LastEvent time.Time  `json:"last_event"`
	// AgentSeen is the time of the agent's last heartbeat, if any.
	AgentSeen *time.Time `json:"agent_seen,omitempty"`
}

// Transition is one change of a camera's status, for uptime reports.
type Transition struct {
	Status event.Status `json:"status"`
	Reason event.Reason `json:"reason,omitempty"`
	Detail string       `json:"detail,omitempty"`
	Since  time.Time    `json:"since"`
	Time   time.Time    `json:"time"`
	Seq    uint64       `json:"seq"`
}

// Agent is an edge agent's last heartbeat.
type Agent struct {
	ID   string    `json:"id"`
	Site string    `json:"site"`
	Seen time.Time `json:"seen"`
	// Lost is true when the heartbeat is older than the agent timeout.
	Lost      bool            `json:"lost"`
	Heartbeat event.Heartbeat `json:"heartbeat"`
}

func parseTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return &t
}

// cameraFromHash turns the state HASH into a Camera; fields a damaged hash
// lacks read as zero rather than failing the whole listing.
func cameraFromHash(ref event.CameraRef, h map[string]string) Camera {
	f := func(k string) float64 { v, _ := strconv.ParseFloat(h[k], 64); return v }
	i := func(k string) int64 { v, _ := strconv.ParseInt(h[k], 10, 64); return v }
	u := func(k string) uint64 { v, _ := strconv.ParseUint(h[k], 10, 64); return v }
	c := Camera{
		Ref: ref, ID: ref.Camera, Site: ref.Site, Agent: h["agent"],
		Status: event.Status(h["status"]), Reason: event.Reason(h["reason"]), Detail: h["detail"],
		Since: parseTime(h["since"]), Codec: h["codec"],
		Width: int(i("width")), Height: int(i("height")),
		FPS: f("fps"), BitrateKbps: f("bitrate_kbps"), KeyframeIntervalS: f("keyframe_interval_s"),
		Frames: u("frames"), Reconnects: u("reconnects"), LastFrameAgeMS: i("last_frame_age_ms"),
		Motion: h["motion"] == "1", MotionSince: parseTime(h["motion_since"]),
		LastSeq: u("seq"), LastKind: event.Kind(h["kind"]),
	}
	if t := parseTime(h["time"]); t != nil {
		c.LastEvent = *t
	}
	_ = json.Unmarshal([]byte(h["labels"]), &c.Labels)
	if c.Status == "" {
		c.Status = event.StatusUnknown
	}
	c.Reported = c.Status
	return c
}

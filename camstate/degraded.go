package camstate

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/camwatch/camwatch/event"
)

// The states a transition member may hold beyond event.Status: the
// aggregator, not the agent, decides that an online camera is degraded.
const stateDegraded = "degraded"

// ReasonLowFPS is the reason of a degraded transition derived from stats:
// frames flow, but far fewer than the camera's normal.
const ReasonLowFPS event.Reason = "low_fps"

// degradedReasons are the picture faults an agent reports on an online
// camera that leave its picture of little use (docs/uptime.md): a black,
// frozen or blurred picture counts as degraded. A scene change does not:
// the camera still shows a usable picture, of something else.
// The detection reasons (no frames, undecodable, no working detector) are
// degraded too: the camera answers but nobody is watching it.
var degradedReasons = map[event.Reason]bool{
	"black": true, "frozen": true, "blurred": true,
	event.ReasonNoFrames: true, event.ReasonUndecodable: true, event.ReasonDetectionUnavailable: true,
}

// derivedStatus is the state a health or stats event puts the camera in
// for uptime: its status, or degraded for an online camera with a picture
// fault.
func derivedStatus(h *event.Health) event.Status {
	if h.Status == event.StatusOnline && degradedReasons[h.Reason] {
		return stateDegraded
	}
	return h.Status
}

// transitions builds an event's share of the transitions ZSET (see
// apply.lua): for a health event its member and "h:<state>"; for a stats
// event of an online camera the degraded member, "s:<fps>" (or "s:-1" for a
// picture fault, degraded whatever the fps) and the online member, written
// only when the camera's derived state changes.
func transitions(e *event.Event) (trans, derive, alt string, err error) {
	h := e.Health
	if h == nil {
		return "", "", "", nil
	}
	member := func(st event.Status, r event.Reason, since time.Time) (string, error) {
		b, err := json.Marshal(transition{Status: st, Reason: r, Detail: h.Detail, Since: since, Time: e.Time, Seq: e.Seq})
		if err != nil {
			return "", fmt.Errorf("encode transition %s: %w", e.ID, err)
		}
		return string(b), nil
	}
	switch {
	case e.Kind == event.KindHealth:
		st := derivedStatus(h)
		trans, err = member(st, h.Reason, h.Since)
		return trans, "h:" + string(st), "", err
	case e.Kind == event.KindStats && h.Status == event.StatusOnline && h.FPS == 0 && h.WindowS == 0 && !degradedReasons[h.Reason]:
		// Nothing measured yet: a stats tick in the first frames after the
		// camera came online (fewer than two frames in the rate window).
		// It says nothing about the camera's rate; a camera that really
		// sends nothing is offline (stalled) within the stall timeout.
		return "", "", "", nil
	case e.Kind == event.KindStats && h.Status == event.StatusOnline:
		fps := ftoa(h.FPS)
		reason := ReasonLowFPS
		if degradedReasons[h.Reason] {
			fps, reason = "-1", h.Reason
		}
		if trans, err = member(stateDegraded, reason, e.Time); err != nil {
			return "", "", "", err
		}
		if alt, err = member(event.StatusOnline, "", e.Time); err != nil {
			return "", "", "", err
		}
		return trans, "s:" + fps, alt, nil
	}
	return "", "", "", nil
}

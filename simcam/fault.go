package simcam

import (
	"errors"
	"fmt"
	"time"
)

// FaultKind names a way a field camera misbehaves.
type FaultKind string

// The faults a simulated camera can show; each one is something the edge
// agent has to notice and report differently.
const (
	// FaultOffline closes the camera's listener and sessions: new
	// connections are refused until the fault ends.
	FaultOffline FaultKind = "offline"
	// FaultStall keeps sessions and RTSP answering but sends no RTP.
	FaultStall FaultKind = "stall"
	// FaultFreeze keeps frames flowing at the normal rate with a picture
	// that does not change.
	FaultFreeze FaultKind = "freeze"
	// FaultRestart drops everything for about a second, like a reboot.
	FaultRestart FaultKind = "restart"
	// FaultClear ends any fault now.
	FaultClear FaultKind = "clear"
)

// RestartDowntime is how long a camera is gone during FaultRestart unless
// the fault says otherwise.
const RestartDowntime = time.Second

// ErrUnknownCamera is returned for a camera id that the server does not have.
var ErrUnknownCamera = errors.New("unknown camera")

// ErrBadFault is returned for a fault that cannot be applied, so a typo in
// a test or a control request is not silently ignored.
var ErrBadFault = errors.New("bad fault")

// Fault is a misbehaviour to show for a while. For is how long it lasts;
// zero means until cleared (for FaultRestart, zero means RestartDowntime).
type Fault struct {
	Kind FaultKind
	For  time.Duration
}

func (f Fault) validate() error {
	switch f.Kind {
	case FaultOffline, FaultStall, FaultFreeze, FaultRestart, FaultClear:
	default:
		return fmt.Errorf("%w: kind %q is not one of offline, stall, freeze, restart, clear", ErrBadFault, f.Kind)
	}
	if f.For < 0 {
		return fmt.Errorf("%w: duration %s is negative", ErrBadFault, f.For)
	}
	return nil
}

// State is what a camera is doing now, as shown by the control endpoint.
type State string

// StateChange is one entry of a camera's state log: from At on, the camera
// was in State. It is the ground truth that accuracy tests compare the
// agent's reports with: At is taken when the change took effect (the
// listener closed or reopened, frames stopped or resumed), not when it
// was requested.
type StateChange struct {
	State State     `json:"state"`
	Fault FaultKind `json:"fault,omitempty"`
	At    time.Time `json:"at"`
}

// Camera states.
const (
	StateOnline     State = "online"
	StateOffline    State = "offline"
	StateStalled    State = "stalled"
	StateFrozen     State = "frozen"
	StateRestarting State = "restarting"
)

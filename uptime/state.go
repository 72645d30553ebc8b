package uptime

// State is what a camera was doing during an interval of its timeline. It
// extends event.Status (online, offline, unknown) with the states only the
// aggregator decides: degraded and maintenance.
type State string

// The states of a timeline; the strings match event.Status where they
// overlap, so a stored transition converts without a table.
const (
	// Online: frames delivered at the camera's normal rate.
	Online State = "online"
	// Degraded: frames flow but the stream is of little use (fps or bitrate
	// far below normal, frozen, black). Not up, not an outage.
	Degraded State = "degraded"
	// Offline: no frames; every offline interval belongs to an outage.
	Offline State = "offline"
	// Unknown: the camera's agent was lost, so nobody knows. A monitoring
	// gap, excluded from uptime.
	Unknown State = "unknown"
	// Maintenance: planned work; excluded from uptime and outages.
	Maintenance State = "maintenance"
)

// States lists every state in a stable order, for columns and metrics.
var States = []State{Online, Degraded, Offline, Unknown, Maintenance}

// Valid reports whether s is a state this build understands; transitions in
// any other state are skipped and counted, never guessed at.
func (s State) Valid() bool {
	switch s {
	case Online, Degraded, Offline, Unknown, Maintenance:
		return true
	}
	return false
}

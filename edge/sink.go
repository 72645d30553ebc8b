package edge

import (
	"github.com/camwatch/camwatch/event"
)

// Sink takes finished events. The production sink is the disk spool,
// which assigns each event its ID and gap-free Seq; tests use an in-memory
// sink. Append must be safe for concurrent use: every camera's supervisor
// and the heartbeat call it.
type Sink interface {
	Append(ev *event.Event) error
}

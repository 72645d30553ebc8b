package event

import (
	"fmt"
	"strings"
)

// Subject layout. Camera events travel on
//
//	camwatch.events.<site>.<camera>.<kind>
//
// (motion kinds add a token: ...<camera>.motion.start), and agent heartbeats on
//
//	camwatch.agents.<site>.<agent>.heartbeat
//
// so a consumer filters by site, camera or kind with ordinary wildcards,
// e.g. camwatch.events.q1.*.motion.> for all motion at site q1.
const (
	SubjectPrefix         = "camwatch"
	EventsSubjectRoot     = SubjectPrefix + ".events"
	AgentsSubjectRoot     = SubjectPrefix + ".agents"
	DeadLetterSubject     = SubjectPrefix + ".deadletter"
	AllEventsSubjects     = EventsSubjectRoot + ".>"
	AllAgentsSubjects     = AgentsSubjectRoot + ".>"
	AllDeadLetterSubjects = DeadLetterSubject + ".>"
)

// Subject returns the subject e is published on.
func Subject(e *Event) string {
	if e.Kind == KindHeartbeat {
		return fmt.Sprintf("%s.%s.%s.%s", AgentsSubjectRoot, e.Site, e.Agent, e.Kind)
	}
	return fmt.Sprintf("%s.%s.%s.%s", EventsSubjectRoot, e.Site, e.Camera, e.Kind)
}

// CheckSubject verifies that an event arrived on the subject its content
// names, so a producer cannot file events under another camera.
func CheckSubject(e *Event, subject string) error {
	if want := Subject(e); subject != want {
		return fmt.Errorf("%w: subject %q does not match content (want %q)", ErrInvalid, subject, want)
	}
	return nil
}

// DeadLetter returns the subject a rejected message is republished on; the
// reason is a short token such as "decode" or "subject".
func DeadLetter(reason string) string {
	return DeadLetterSubject + "." + strings.ReplaceAll(reason, ".", "_")
}

// SnapshotsSubjectRoot is where snapshot JPEGs travel:
// camwatch.snapshots.<site>.<camera>, message id = the event's id.
const SnapshotsSubjectRoot = SubjectPrefix + ".snapshots"

// SnapshotSubject returns the subject of e's snapshot.
func SnapshotSubject(e *Event) string {
	return SnapshotsSubjectRoot + "." + e.Site + "." + e.Camera
}

package event

import (
	"errors"
	"fmt"
	"strings"
)

// Subject layout. The agent id is in every subject an edge publishes on,
// so that NATS permissions can pin each agent's credentials to its own
// subjects (see natsauth). Camera events travel on
//
//	camwatch.events.<site>.<agent>.<camera>.<kind>
//
// (motion kinds add a token: ...<camera>.motion.start), agent heartbeats on
//
//	camwatch.agents.<site>.<agent>.heartbeat
//
// and snapshot JPEGs on
//
//	camwatch.snapshots.<site>.<agent>.<camera>
//
// so a consumer filters by site, agent, camera or kind with ordinary
// wildcards, e.g. camwatch.events.q1.*.*.motion.> for all motion at q1.
const (
	SubjectPrefix         = "camwatch"
	EventsSubjectRoot     = SubjectPrefix + ".events"
	AgentsSubjectRoot     = SubjectPrefix + ".agents"
	DeadLetterSubject     = SubjectPrefix + ".deadletter"
	AllEventsSubjects     = EventsSubjectRoot + ".>"
	AllAgentsSubjects     = AgentsSubjectRoot + ".>"
	AllDeadLetterSubjects = DeadLetterSubject + ".>"
)

// ErrSubject is wrapped when a message's subject disagrees with its
// content: a producer filing an event under another site, agent, camera
// or kind than the one it names.
var ErrSubject = errors.New("subject does not match content")

// Subject returns the subject e is published on.
func Subject(e *Event) string {
	if e.Kind == KindHeartbeat {
		return AgentsSubjectRoot + "." + e.Site + "." + e.Agent + "." + string(e.Kind)
	}
	return EventsSubjectRoot + "." + e.Site + "." + e.Agent + "." + e.Camera + "." + string(e.Kind)
}

// CheckSubject verifies that an event arrived on the subject its content
// names, so that a producer allowed only its own subjects (NATS
// permissions) cannot file events under another site, agent or camera.
// The error names the first part that differs.
func CheckSubject(e *Event, subject string) error {
	want := Subject(e)
	if subject == want {
		return nil
	}
	return mismatch(subject, want, e.Kind == KindHeartbeat)
}

func mismatch(got, want string, heartbeat bool) error {
	names := []string{"root", "kind", "site", "agent", "camera", "kind"}
	if heartbeat {
		names = []string{"root", "kind", "site", "agent", "kind"}
	}
	g, w := strings.Split(got, "."), strings.Split(want, ".")
	part := "kind"
	for i := range w {
		if i >= len(g) || g[i] != w[i] {
			if i < len(names) {
				part = names[i]
			}
			break
		}
	}
	return fmt.Errorf("%w: %s differs: subject %q, content says %q", ErrSubject, part, got, want)
}

// DeadLetter returns the subject a rejected message is republished on; the
// reason is a short token such as "decode" or "subject".
func DeadLetter(reason string) string {
	return DeadLetterSubject + "." + strings.ReplaceAll(reason, ".", "_")
}

// SnapshotsSubjectRoot is where snapshot JPEGs travel:
// camwatch.snapshots.<site>.<agent>.<camera>, message id = the event's id.
const SnapshotsSubjectRoot = SubjectPrefix + ".snapshots"

// SnapshotSubject returns the subject of e's snapshot.
func SnapshotSubject(e *Event) string {
	return SnapshotsSubjectRoot + "." + e.Site + "." + e.Agent + "." + e.Camera
}

// SnapshotOrigin parses a snapshot subject into the site, agent and
// camera it was published for; ok is false for any other shape.
func SnapshotOrigin(subject string) (site, agent, camera string, ok bool) {
	rest, found := strings.CutPrefix(subject, SnapshotsSubjectRoot+".")
	if !found {
		return "", "", "", false
	}
	p := strings.Split(rest, ".")
	if len(p) != 3 || !ValidToken(p[0]) || !ValidToken(p[1]) || !ValidToken(p[2]) {
		return "", "", "", false
	}
	return p[0], p[1], p[2], true
}

// AgentSubjects are the subjects one agent may publish on, as NATS
// permission patterns: its events, its snapshots and its heartbeats. With
// cameras given, events and snapshots are pinned to those cameras too.
func AgentSubjects(site, agent string, cameras ...string) []string {
	base := func(root string) string { return root + "." + site + "." + agent }
	out := []string{base(AgentsSubjectRoot) + "." + string(KindHeartbeat)}
	if len(cameras) == 0 {
		return append(out, base(EventsSubjectRoot)+".>", base(SnapshotsSubjectRoot)+".*")
	}
	for _, c := range cameras {
		out = append(out, base(EventsSubjectRoot)+"."+c+".>", base(SnapshotsSubjectRoot)+"."+c)
	}
	return out
}

// ClipsBucket is the JetStream object store bucket edge agents upload
// event clips to (docs/evidence.md).
const ClipsBucket = "CAMWATCH_CLIPS"

// ClipUploadSubjects are what an agent needs to put objects into the
// clips bucket: its chunks and metadata, and reading the bucket's info
// and an object's metadata (to resume an upload). Not purge or delete:
// an agent cannot remove anybody's clip. Object names are encoded in
// the metadata subject, so NATS cannot pin them to the agent; the
// aggregator instead accepts a clip only with the digest its agent's
// event names.
func ClipUploadSubjects() []string {
	return []string{
		"$O." + ClipsBucket + ".C.>", "$O." + ClipsBucket + ".M.>",
		"$JS.API.STREAM.INFO.OBJ_" + ClipsBucket,
		"$JS.API.DIRECT.GET.OBJ_" + ClipsBucket + ".>",
		"$JS.API.STREAM.MSG.GET.OBJ_" + ClipsBucket,
	}
}

// AgentInboxPrefix is the reply-subject prefix an agent's connection
// uses, so that its credentials may subscribe to its own JetStream
// publish acks and to nobody else's replies.
func AgentInboxPrefix(site, agent string) string {
	return "_INBOX_camwatch_edge." + site + "." + agent
}

package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// ErrInvalid is wrapped by every validation failure, so callers can tell a
// bad message from a transport error.
var ErrInvalid = errors.New("invalid event")

// MaxSize bounds an encoded event; larger messages are rejected unread.
const MaxSize = 64 << 10

// MaxSnapshot bounds a snapshot JPEG.
const MaxSnapshot = 256 << 10

// MaxClip bounds an event clip's MP4 (60 s at 8 Mb/s is 60 MB).
const MaxClip = 128 << 20

var (
	sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidToken reports whether s may be used as a site, agent or camera id:
// 1 to 64 letters, digits, '-' or '_', so that it is one NATS subject token
// and one Redis key part.
//
// A byte loop, not a regexp: every event checks three or four tokens and
// every camera reference two, and the loop is about 20 times faster
// (FuzzValidToken holds it to the regexp ^[A-Za-z0-9_-]{1,64}$).
func ValidToken(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Decode parses and validates one message. Unknown fields are rejected, so
// a typo in a producer shows up as an error, not as missing data.
func Decode(data []byte) (*Event, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalid, len(data), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Event
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalid)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// Validate checks the envelope and that the payload matches the kind.
func (e *Event) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
	}
	switch {
	case e.Schema < 1 || e.Schema > SchemaVersion:
		return bad("schema %d not supported (this build reads 1 to %d)", e.Schema, SchemaVersion)
	case len(e.ID) < 8 || len(e.ID) > 64:
		return bad("id %q must be 8 to 64 characters", e.ID)
	case !e.Kind.Known():
		return bad("kind %q unknown", e.Kind)
	case !ValidToken(e.Site):
		return bad("site %q is not a valid id", e.Site)
	case !ValidToken(e.Agent):
		return bad("agent %q is not a valid id", e.Agent)
	case e.Time.IsZero():
		return bad("time missing")
	case e.Time.After(time.Now().Add(24 * time.Hour)):
		return bad("time %s is more than a day in the future", e.Time.Format(time.RFC3339))
	case e.Seq == 0:
		return bad("seq missing")
	case e.Epoch != "" && !ValidToken(e.Epoch):
		return bad("epoch %q is not a valid id", e.Epoch)
	}
	if e.Kind.CameraScoped() {
		if !ValidToken(e.Camera) {
			return bad("camera %q is not a valid id", e.Camera)
		}
	} else if e.Camera != "" {
		return bad("kind %s must not name a camera", e.Kind)
	}
	want := map[Kind]bool{
		KindHealth: e.Health != nil, KindStats: e.Health != nil,
		KindMotionStart: e.Motion != nil, KindMotionEnd: e.Motion != nil,
		KindHeartbeat: e.Heartbeat != nil, KindClip: e.Clip != nil,
	}
	if !want[e.Kind] {
		return bad("kind %s needs its payload", e.Kind)
	}
	n := 0
	for _, p := range []bool{e.Health != nil, e.Motion != nil, e.Heartbeat != nil, e.Clip != nil} {
		if p {
			n++
		}
	}
	if n != 1 {
		return bad("exactly one payload expected, got %d", n)
	}
	if e.Health != nil {
		switch e.Health.Status {
		case StatusOnline, StatusOffline:
		default:
			return bad("health.status %q must be online or offline", e.Health.Status)
		}
		if len(e.Health.Tamper) > len(TamperReasons) {
			return bad("health.tamper lists %d faults", len(e.Health.Tamper))
		}
		for _, tp := range e.Health.Tamper {
			if !slices.Contains(TamperReasons, tp.Kind) {
				return bad("health.tamper kind %q unknown", tp.Kind)
			}
		}
	}
	if hb := e.Heartbeat; hb != nil && hb.Epoch != "" && hb.Epoch != e.Epoch {
		return bad("heartbeat.epoch %q differs from the envelope's %q", hb.Epoch, e.Epoch)
	}
	if c := e.Clip; c != nil {
		switch {
		case !sha256RE.MatchString(c.SHA256):
			return bad("clip.sha256 %q is not 64 lowercase hex digits", c.SHA256)
		case c.Bytes <= 0 || c.Bytes > MaxClip:
			return bad("clip.bytes %d must be 1 to %d", c.Bytes, MaxClip)
		case len(c.Motion) < 8 || len(c.Motion) > 64 || !ValidToken(c.Motion):
			return bad("clip.motion %q is not an event id", c.Motion)
		case c.Object != ClipObject(e.Site, e.Agent, e.Camera, c.Motion):
			return bad("clip.object %q must be %q", c.Object, ClipObject(e.Site, e.Agent, e.Camera, c.Motion))
		case c.End.Before(c.Start):
			return bad("clip.end is before clip.start")
		}
	}
	if sn := e.Snapshot; sn != nil {
		if e.Kind == KindHeartbeat {
			return bad("a heartbeat has no snapshot")
		}
		if sn.ID != e.ID || sn.Bytes <= 0 || sn.Bytes > MaxSnapshot {
			return bad("snapshot must carry the event's id and 1 to %d bytes", MaxSnapshot)
		}
		if sn.SHA256 != "" && !sha256RE.MatchString(sn.SHA256) {
			return bad("snapshot.sha256 %q is not 64 lowercase hex digits", sn.SHA256)
		}
	}
	return nil
}

// DefaultMaxSkew is how far ahead of the receiver's clock an event's time
// may be before the event is refused.
const DefaultMaxSkew = 2 * time.Minute

// ErrFuture is wrapped when an event is dated further ahead of the
// receiver's clock than the allowed skew.
var ErrFuture = errors.New("event time is ahead of the receiver's clock")

// CheckSkew refuses an event dated more than maxSkew after received, the
// time the receiver (JetStream, when it stored the message) saw it. Using
// the stream's timestamp makes the answer the same on every replay.
func CheckSkew(e *Event, received time.Time, maxSkew time.Duration) error {
	if received.IsZero() {
		received = time.Now()
	}
	if ahead := e.Time.Sub(received); ahead > maxSkew {
		return fmt.Errorf("%w: %s ahead (allowed %s)", ErrFuture, ahead.Round(time.Second), maxSkew)
	}
	return nil
}

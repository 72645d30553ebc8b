package event

import "time"

// LateWatch decides when a reader of the events stream may stop once
// the stream passed a window's end: an edge spools its events through an uplink outage and
// sends them, in order, when it is back, so a window's events can reach
// the stream hours after the window. Per camera the read goes on until
// the camera was heard from after the window: an accepted event dated
// after it (the spool is in order, so nothing of the window follows).
// Clip events come in their own order (each after its upload, oldest
// first), so a camera that sends clips also waits for the clip of each
// motion of the window, or for a clip dated after the window. A camera
// never heard from again keeps the read to the stream's end; its filter
// matches only its own messages, which are then few.
type LateWatch struct {
	cams      int
	after     map[string]bool            // heard from after the window (not a clip)
	clipAfter map[string]bool            // a clip dated after the window
	clips     map[string]bool            // sends clips
	waiting   map[string]map[string]bool // the window's motions without their clip yet
}

// NewLateWatch watches cams cameras.
func NewLateWatch(cams int) *LateWatch {
	return &LateWatch{cams: cams, after: map[string]bool{}, clipAfter: map[string]bool{}, clips: map[string]bool{},
		waiting: map[string]map[string]bool{}}
}

// Saw notes an event of camera c (a reader's own key for it) that the
// reader counts, for the window [from, to].
func (l *LateWatch) Saw(c string, e *Event, from, to time.Time) {
	switch {
	case e.Kind == KindClip && e.Clip != nil:
		l.clips[c] = true
		delete(l.waiting[c], e.Clip.Motion)
		if e.Time.After(to) {
			l.clipAfter[c] = true
		}
	case e.Time.After(to):
		l.after[c] = true
	case e.Kind == KindMotionStart && !e.Time.Before(from):
		if l.waiting[c] == nil {
			l.waiting[c] = map[string]bool{}
		}
		l.waiting[c][e.ID] = true
	}
}

// AllDone reports whether every camera was heard from after the window,
// with the clips of its window's motions.
func (l *LateWatch) AllDone() bool {
	if len(l.after) < l.cams {
		return false
	}
	for c := range l.after {
		if l.clips[c] && !l.clipAfter[c] && len(l.waiting[c]) > 0 {
			return false
		}
	}
	return true
}

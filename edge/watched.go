package edge

import (
	"time"

	"github.com/camwatch/camwatch/event"
)

// Thresholds of the watched check: how long a connected camera may go
// without a complete frame, and its decoder refuse every access unit,
// before it is reported as not watched.
const (
	noFramesAfter    = 5 * time.Second
	undecodableAfter = 5 * time.Second
)

// watchedReason judges whether an online camera is actually being watched:
// packets arrive but no frame comes of them (no_frames), the pixel decoder
// refuses everything (undecodable), or the configured detector cannot work
// (detection_unavailable: no decoder in this build, or a flat compressed
// signal on a camera with only the compressed tier). No silent "online".
func (s *Supervisor) watchedReason(now time.Time) (event.Reason, string) {
	if now.Sub(s.lastFrame) > noFramesAfter {
		return event.ReasonNoFrames, "packets arrive but no complete frame for " + now.Sub(s.lastFrame).Round(time.Second).String()
	}
	if s.pipe == nil {
		return "", ""
	}
	st := s.pipe.Status()
	if s.pipe.Decodes() {
		if st.Unavailable != "" {
			return event.ReasonDetectionUnavailable, st.Unavailable
		}
		if !st.RefusedSince.IsZero() && now.Sub(st.RefusedSince) > undecodableAfter {
			return event.ReasonUndecodable, "the decoder refused every access unit for " + now.Sub(st.RefusedSince).Round(time.Second).String() + ": " + st.RefusedErr
		}
		return "", ""
	}
	if st.Flat {
		return event.ReasonDetectionUnavailable, "compressed signal flat (frame sizes and QP do not move): the compressed detector cannot see motion; use detector auto, gate or pixel"
	}
	return "", ""
}

// checkWatched reports a change of the watched judgement as a health
// event; a detection reason takes the place of a picture fault in Reason
// (the tamper list still holds the faults).
func (s *Supervisor) checkWatched(now time.Time) {
	r, detail := s.watchedReason(now)
	if r == s.watchReason {
		if r != "" {
			s.detail = s.red.clean(detail)
		}
		return
	}
	prev := s.watchReason
	s.watchReason = r
	if prev != "" {
		s.cm.degraded(prev).Set(0)
	}
	if r != "" {
		s.cm.degraded(r).Set(1)
		s.reason, s.detail = r, s.red.clean(detail)
		s.log.Warn("camera online but not watched", "reason", r, "detail", s.detail)
	} else {
		s.reason, s.detail = "", ""
		if s.pipe != nil {
			if active := s.pipe.Faults(); len(active) > 0 {
				s.reason, s.detail = event.Reason(active[0].Kind), "picture "+string(active[0].Kind)
			}
		}
		s.log.Info("camera watched again", "was", prev)
	}
	// Uptime counts the degraded time from when it began: the last frame,
	// the first refused access unit.
	s.since = now
	switch {
	case r == event.ReasonNoFrames && s.lastFrame.Before(now):
		s.since = s.lastFrame
	case r == event.ReasonUndecodable && s.pipe.Status().RefusedSince.Before(now):
		s.since = s.pipe.Status().RefusedSince
	}
	s.emitHealth(event.KindHealth, now)
}

// clearWatched forgets the judgement at the end of a session.
func (s *Supervisor) clearWatched() {
	if s.watchReason != "" {
		s.cm.degraded(s.watchReason).Set(0)
		s.watchReason = ""
	}
}

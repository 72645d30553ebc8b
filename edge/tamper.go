package edge

import (
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
)

// onTamper reports picture faults raised or cleared by the pixel tier's
// tamper detector: the camera stays online, its reason becomes the first
// fault in force (the alert triggers black, frozen, scene_change and
// blurred match on it) and a health event carries the full list, with a
// snapshot when a fault was raised.
func (s *Supervisor) onTamper(changes []motion.TamperChange) {
	if len(changes) == 0 || s.status != event.StatusOnline {
		return
	}
	raised := false
	for _, c := range changes {
		s.log.Warn("picture fault", "kind", c.Kind, "active", c.Active, "since", c.Since)
		raised = raised || c.Active
	}
	now := changes[len(changes)-1].At
	prev, prevDetail := s.reason, s.detail
	s.reason, s.detail = "", ""
	active := s.pipe.Faults()
	if len(active) > 0 {
		s.reason = event.Reason(active[0].Kind)
		s.detail = "picture " + string(active[0].Kind)
	}
	if s.watchReason != "" { // not watched: that reason stays in front
		s.reason, s.detail = prev, prevDetail
	}
	// since is when the camera entered its state: a picture fault began at
	// its first frame showing it, a clean picture at the first frame
	// without the fault (the detector raises and clears seconds later).
	// Uptime counts degraded time from it (docs/uptime.md).
	switch {
	case s.reason == prev:
	case prev == "":
		if active[0].Since.After(s.since) {
			s.since = active[0].Since
		}
	default:
		ended := now
		for _, c := range changes {
			if !c.Active && event.Reason(c.Kind) == prev && c.Ended.After(s.since) && c.Ended.Before(ended) {
				ended = c.Ended
			}
		}
		s.since = ended
	}
	// The event is dated by the frame (stream clock); the figures, ages
	// and rates of arrivals, by the agent's clock.
	ev := s.out.newEvent(event.KindHealth, s.cam.ID, s.cam.Labels, now)
	ev.Health = s.health(time.Now())
	if raised {
		s.snapshot(ev)
	}
	s.out.emit(ev)
}

// tamperList is the faults in force, for health payloads.
func (s *Supervisor) tamperList() []event.Tamper {
	if s.pipe == nil || s.status != event.StatusOnline {
		return nil
	}
	var out []event.Tamper
	for _, a := range s.pipe.Faults() {
		out = append(out, event.Tamper{Kind: event.Reason(a.Kind), Since: a.Since.UTC().Round(0)})
	}
	return out
}

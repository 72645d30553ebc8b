package alerts

import (
	"slices"
	"time"

	"github.com/camwatch/camwatch/event"
)

// observeHealth folds a health or stats payload into the camera.
func (c *Camera) observeHealth(kind event.Kind, h *event.Health, now time.Time) {
	since := h.Since
	if since.IsZero() || since.After(now) {
		since = now // the edge's clock may run ahead; never fire early
	}
	if h.Status != c.Status {
		if (c.Status == event.StatusOnline || c.Status == event.StatusOffline) &&
			(h.Status == event.StatusOnline || h.Status == event.StatusOffline) {
			c.Changes = append(c.Changes, now)
			if len(c.Changes) > maxChanges {
				c.Changes = slices.Clone(c.Changes[len(c.Changes)-maxChanges:])
			}
		}
		c.Status, c.Since, c.Measured = h.Status, since, false
	}
	if h.Reason != c.Reason {
		c.Reason, c.ReasonSince = h.Reason, since
	}
	if h.Status == event.StatusOnline && (kind == event.KindStats || h.WindowS > 0) {
		c.FPS, c.BitrateKbps, c.Measured = h.FPS, h.BitrateKbps, true
	}
}

// observeMotion folds a motion.start or motion.end into the camera. The
// end of the previous interval is kept while a new one runs, so a motion
// group stays open across the gap.
func (c *Camera) observeMotion(kind event.Kind, m *event.Motion, now time.Time) {
	cm := &c.Motion
	if kind == event.KindMotionStart {
		if !cm.Active {
			cm.Zones = nil
			cm.Score = 0
		}
		cm.Active, cm.Started = true, now
		cm.Score = max(cm.Score, m.Score)
	} else {
		if !cm.Active {
			cm.Started = now // an end without its start: the start was lost
		}
		cm.Active, cm.Ended = false, now
		cm.Duration = time.Duration(m.DurationS * float64(time.Second))
		if cm.Duration <= 0 {
			cm.Duration = now.Sub(cm.Started)
		}
		cm.Score = max(cm.Score, m.Score)
	}
	for _, z := range m.Zones {
		if !slices.Contains(cm.Zones, z) {
			cm.Zones = append(cm.Zones, z)
		}
	}
}

// condition reports whether rule r's condition holds for camera c, since
// when, and whether it is known at all: a camera of a lost agent is
// neither online nor offline, and must not fire or resolve an alert.
func (e *Engine) condition(r *Rule, c *Camera, key string, now time.Time) (holds bool, since time.Time, known bool) {
	t := &r.Trigger
	// An agent that has just started reports its cameras offline with
	// reason "starting" until the first session opens or fails: that is
	// not yet news about the camera, so it neither fires nor resolves.
	statusKnown := c.Status == event.StatusOnline ||
		c.Status == event.StatusOffline && c.Reason != event.ReasonStarting
	switch t.Type {
	case TriggerOffline:
		return c.Status == event.StatusOffline, c.Since, statusKnown
	case TriggerStalled, TriggerFrozen, TriggerBlack, TriggerSceneChange,
		TriggerNoFrames, TriggerUndecodable, TriggerDetectionUnavailable:
		return string(c.Reason) == string(t.Type), c.ReasonSince, statusKnown
	case TriggerLowFPS, TriggerLowBitrate:
		if c.Status == event.StatusOffline {
			delete(c.Below, r.ID)
			return false, now, true
		}
		if c.Status != event.StatusOnline || !c.Measured {
			return false, now, false
		}
		v := c.FPS
		if t.Type == TriggerLowBitrate {
			v = c.BitrateKbps
		}
		if v >= t.Below {
			delete(c.Below, r.ID)
			return false, now, true
		}
		if c.Below == nil {
			c.Below = map[string]time.Time{}
		}
		first, ok := c.Below[r.ID]
		if !ok {
			first = now
			c.Below[r.ID] = now
		}
		return true, first, true
	case TriggerFlapping:
		n := 0
		for _, at := range c.Changes {
			if now.Sub(at) < t.Within {
				n++
			}
		}
		return n >= t.Changes, now, true
	case TriggerMotion:
		return motionHolds(t, &c.Motion, e.st.Open[key] != nil, now)
	}
	return false, now, true
}

// motionHolds: a qualifying interval holds from its start (the rule's
// min_duration is the delay); after it ends, an open alert stays open for
// the group window so that a burst is one alert, and a short burst that
// ended between ticks still fires if it lasted long enough.
func motionHolds(t *Trigger, m *Motion, open bool, now time.Time) (bool, time.Time, bool) {
	qualifies := m.Score >= t.MinScore &&
		(len(t.Zones) == 0 || slices.ContainsFunc(m.Zones, func(z string) bool { return slices.Contains(t.Zones, z) }))
	if m.Active && qualifies {
		return true, m.Started, true
	}
	inGroup := !m.Ended.IsZero() && now.Sub(m.Ended) < t.Group
	if open {
		return inGroup, m.Started, true
	}
	return !m.Active && qualifies && inGroup && m.Duration >= t.MinDuration, m.Ended.Add(-m.Duration), true
}

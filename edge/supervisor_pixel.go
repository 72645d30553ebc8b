package edge

import (
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/deepch/vdk/format/rtspv2"
)

// startPixel hands a session's (or a codec update's) codec data to the
// pixel tier.
func (s *Supervisor) startPixel(c *rtspv2.RTSPClient, idx int8) {
	codecs := c.Codecs()
	if s.px == nil || int(idx) >= len(codecs) {
		return
	}
	s.px.start(codecs[idx])
}

// pixelFrame feeds one complete access unit to the pixel tier and reports
// what came of it: motion transitions, and a decoder restart as a health
// event whose detail says why.
func (s *Supervisor) pixelFrame(f frame, now time.Time) {
	if s.px == nil {
		return
	}
	s.px.access(f.au, f.arrived, f.keyframe, s.emitPixelMotion)
	if s.px.restarted != "" {
		detail := s.px.restarted
		s.px.restarted = ""
		ev := s.out.newEvent(event.KindHealth, s.cam.ID, s.cam.Labels, now)
		h := s.health(now)
		h.Detail = s.red.clean(detail)
		ev.Health = h
		s.out.emit(ev)
	}
}

func (s *Supervisor) emitPixelMotion(tr motion.Transition, zones []string) {
	s.emitMotionFrom("pixel", tr, zones)
}

package edge

import (
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/format/rtspv2"
)

// startPixel hands a session's (or a codec update's) codec data to the
// pixel tier.
func (s *Supervisor) startPixel(c *rtspv2.RTSPClient, idx int8) {
	if s.px == nil || int(idx) >= len(c.CodecData) {
		return
	}
	s.px.start(c.CodecData[idx])
}

// pixelPacket feeds one video packet to the pixel tier and reports what
// came of it: motion transitions, and a decoder restart as a health event
// whose detail says why.
func (s *Supervisor) pixelPacket(pkt *av.Packet, now time.Time, hevc bool) {
	if s.px == nil {
		return
	}
	key := pkt.IsKeyFrame || hasIDR(pkt.Data, hevc)
	s.px.packet(pkt.Time, now, pkt.Data, key, s.emitPixelMotion)
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

package edge

import (
	"time"

	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
)

// onFrame counts one complete frame and runs the camera's detection on
// it: motion transitions become motion events, picture faults health
// events, a decoder restart a health event whose detail says why.
func (s *Supervisor) onFrame(f frame, now time.Time) {
	s.lastFrame = f.arrived
	s.meter.add(f)
	s.cm.frames.Inc()
	s.cm.bytes.Add(float64(f.size))
	if s.pipe == nil {
		return
	}
	r := s.pipe.Feed(detect.Unit{AU: f.au, At: f.taken, Key: f.keyframe})
	if r.Frames > 0 {
		s.thumb.offer(f.taken, func() ([]byte, error) { return s.pipe.Thumbnail(event.MaxSnapshot) })
	}
	for _, tr := range r.Motion {
		s.emitMotion(tr)
	}
	if len(r.Tamper) > 0 {
		s.onTamper(r.Tamper)
	}
	if r.Decoder != "" {
		ev := s.out.newEvent(event.KindHealth, s.cam.ID, s.cam.Labels, now)
		h := s.health(now)
		h.Detail = s.red.clean(r.Decoder)
		ev.Health = h
		s.out.emit(ev)
	}
}

// stopDetection ends the stream's detection at now (the session ended or
// the supervisor stops): open motion is closed and reported; picture
// faults are forgotten, as an offline camera has no picture to judge and
// its offline reason replaces them.
func (s *Supervisor) stopDetection(now time.Time) {
	if s.pipe == nil {
		return
	}
	for _, tr := range s.pipe.Stop(now).Motion {
		s.emitMotion(tr)
	}
}

func (s *Supervisor) emitMotion(tr detect.Transition) {
	kind := event.KindMotionStart
	m := &event.Motion{Detector: tr.Detector, Score: round2(tr.Score), Started: tr.Started.UTC().Round(0)}
	if len(tr.Zones) > 0 {
		m.Zones = append([]string(nil), tr.Zones...)
	}
	if tr.Kind == motion.End {
		kind = event.KindMotionEnd
		m.DurationS = round2(tr.Duration().Seconds())
	}
	ev := s.out.newEvent(kind, s.cam.ID, s.cam.Labels, tr.At)
	ev.Motion = m
	if kind == event.KindMotionStart {
		s.snapshot(ev)
	}
	s.out.emit(ev)
	if kind == event.KindMotionStart {
		s.clipMotion(ev, time.Time{})
	} else {
		s.clipMotion(nil, tr.At)
	}
	s.log.Info("motion", "kind", tr.Kind, "detector", tr.Detector, "score", m.Score, "zones", m.Zones)
}

package edge

// autoOpen reports whether detector auto must decode every frame: the
// camera's compressed signal is judged unusable (rate-controlled, so frame
// sizes do not follow motion, or flat for minutes). Each change of the
// judgement is logged once.
func (s *Supervisor) autoOpen() bool {
	if s.px == nil || !s.px.cfg.Auto || s.cx == nil {
		return false
	}
	weak := s.cx.rate.controlled || s.cx.flat.isFlat
	if weak != s.autoWeak {
		s.autoWeak = weak
		if weak {
			s.log.Info("detector auto: compressed signal unusable on this camera (rate-controlled or flat), decoding every frame",
				"rate_controlled", s.cx.rate.controlled, "flat", s.cx.flat.isFlat)
		} else {
			s.log.Info("detector auto: compressed signal usable again, gating the decoder")
		}
	}
	return weak
}

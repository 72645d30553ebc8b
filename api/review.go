package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/review"
	"github.com/camwatch/camwatch/uptime"
)

// MotionSource gives the review the motion starts of a period
// (*review.StreamMotion implements it).
type MotionSource interface {
	MotionStarts(ctx context.Context, from, to time.Time) ([]review.MotionStart, time.Time, error)
}

// reviewPage serves GET /api/v1/review?ward=&period=YYYY-MM|YYYY-Qn&lang=
// as a printable HTML document: one page per program of the ward.
func (s *server) reviewPage(w http.ResponseWriter, r *http.Request) {
	u := s.o.Uptime
	if u == nil || u.Source == nil {
		writeError(w, http.StatusNotFound, "uptime reports are not enabled on this aggregator")
		return
	}
	q := r.URL.Query()
	ward := q.Get("ward")
	if !event.ValidToken(ward) {
		writeError(w, http.StatusBadRequest, "ward: must be 1 to 64 letters, digits, '-' or '_'")
		return
	}
	loc := u.Location
	if loc == nil {
		loc, _ = time.LoadLocation("Asia/Ho_Chi_Minh")
	}
	period, err := review.ParsePeriod(q.Get("period"), loc)
	if err != nil {
		writeError(w, http.StatusBadRequest, "period: "+q.Get("period")+" is not YYYY-MM or YYYY-Qn")
		return
	}
	now := s.o.Now()
	if period.From.After(now) {
		writeError(w, http.StatusBadRequest, "period: starts in the future")
		return
	}
	prev := period.Previous()
	h, err := u.Source.History(r.Context(), uptime.Span{From: prev.From, To: period.To})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	// What the caller's scope covers: the whole ward, or only some of its
	// programs or cameras (their pages alone); nothing of it is a 404.
	if !s.sees(r, auth.Object{Ward: ward}) {
		var kept []uptime.Camera // a new slice: the source may share h
		for _, c := range h.Cameras {
			if c.Labels.Ward == ward && s.sees(r, auth.Object{Site: c.Site, Camera: c.ID, Program: c.Labels.Program, Ward: ward}) {
				kept = append(kept, c)
			}
		}
		h = &uptime.History{Cameras: kept, AgentLost: h.AgentLost, Maintenance: h.Maintenance}
		if len(kept) == 0 {
			writeError(w, http.StatusNotFound, "ward "+ward+" not found")
			return
		}
	}
	in := review.Input{Ward: ward, Period: period, History: h, Names: s.o.Programs, Targets: u.Targets,
		DefaultTarget: u.DefaultTarget, Location: loc, Now: now, NoMotion: true}
	if u.Generated != nil {
		if in.SyntheticUntil, err = u.Generated.GeneratedUntil(r.Context()); err != nil {
			s.log.Warn("review: cannot tell whether the history is generated; the review says it may be", "err", err)
			in.SyntheticUntil = period.To // a report must not pass made-up figures as measured
		}
	}
	if s.o.AlertHistory != nil {
		if in.Transitions, err = s.o.AlertHistory.History(r.Context(), prev.From, period.To); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	if s.o.Motion != nil {
		starts, begins, err := s.o.Motion.MotionStarts(r.Context(), period.From, period.To)
		switch {
		case err == nil:
			in.Motion, in.MotionFrom, in.NoMotion = starts, begins, false
		case errors.Is(err, context.Canceled):
			return
		default:
			s.log.Warn("review: motion starts could not be read; the report says so", "err", err)
		}
	}
	rv, err := review.Compute(in)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := review.Render(&b, rv, s.o.Programs, programs.ParseLang(q.Get("lang"))); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

package evidence

import (
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/uptime"
)

// Interval is one stretch of a camera's coverage: online, degraded (with
// reason), offline (with reason), unknown (its agent was lost, or nobody
// reported) or maintenance. Time not covered by any interval is time the
// camera was not monitored (before it existed, after its removal): the
// same as unknown for an investigator.
type Interval struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	State  uptime.State `json:"state"`
	Reason string       `json:"reason,omitempty"`
}

// CameraCoverage is one camera's coverage over a window.
type CameraCoverage struct {
	Camera    string     `json:"camera"`
	Site      string     `json:"site,omitempty"`
	Program   string     `json:"program,omitempty"`
	Ward      string     `json:"ward,omitempty"`
	Intervals []Interval `json:"intervals"`
	// Seconds per state over the window; "unmonitored" is time without
	// any interval.
	Seconds map[string]float64 `json:"seconds"`
}

// Coverage computes each camera's coverage over w from the same status
// history the uptime reports read (uptime.History.Timeline: transitions,
// agent loss and maintenance painted over them). Cameras the history
// does not know are entirely unmonitored.
func Coverage(h *uptime.History, cams []Camera, w uptime.Span) []CameraCoverage {
	byRef := map[event.CameraRef]*uptime.Camera{}
	if h != nil {
		for i := range h.Cameras {
			byRef[h.Cameras[i].Ref()] = &h.Cameras[i]
		}
	}
	out := make([]CameraCoverage, 0, len(cams))
	for _, c := range cams {
		cc := CameraCoverage{Camera: c.ID, Site: c.Site, Program: c.Program, Ward: c.Ward,
			Intervals: []Interval{}, Seconds: map[string]float64{}}
		var covered time.Duration
		if uc := byRef[c.Ref()]; uc != nil {
			ivs, _ := h.Timeline(uc, w)
			for _, iv := range ivs {
				cc.Intervals = append(cc.Intervals, Interval{From: iv.From, To: iv.To, State: iv.State, Reason: iv.Reason})
				cc.Seconds[string(iv.State)] += iv.Duration().Seconds()
				covered += iv.Duration()
			}
		}
		if rest := w.Duration() - covered; rest > 0 {
			cc.Seconds["unmonitored"] = rest.Seconds()
		}
		out = append(out, cc)
	}
	return out
}

// monitored is the seconds of the window the coverage knows a state for.
func (c CameraCoverage) monitored() float64 {
	var n float64
	for st, sec := range c.Seconds {
		if st != "unmonitored" {
			n += sec
		}
	}
	return n
}

package uptime

import "time"

// Outage is one run of offline time in a camera's timeline (see the package
// doc for what joins and what ends one).
type Outage struct {
	// Span runs from the first offline instant to the last, within the
	// window; it may hold bridged unknown or maintenance time.
	Span
	// Reason is the reason of the first offline interval: what went wrong
	// first.
	Reason string
	// Down is the offline time in the outage: its length for MTTR.
	Down time.Duration
	// Resolved is true when the camera was seen online or degraded after
	// the outage inside the window, so its repair time is known.
	Resolved bool
}

// outages appends the outages of a timeline to dst.
func outages(dst []Outage, ivs []Interval) []Outage {
	var cur *Outage
	for _, iv := range ivs {
		switch iv.State {
		case Offline:
			if cur == nil {
				dst = append(dst, Outage{Span: iv.Span, Reason: iv.Reason})
				cur = &dst[len(dst)-1]
			}
			cur.To = iv.To
			cur.Down += iv.Duration()
		case Online, Degraded:
			if cur != nil {
				cur.Resolved = true
				cur = nil
			}
		}
		// Unknown and maintenance neither end nor extend an outage.
	}
	return dst
}

package uptime

import (
	"cmp"
	"slices"
	"time"
)

// Interval is one stretch of a camera's timeline in a single state. Reason
// is the offline reason (or whatever the transition said) and is empty for
// painted unknown and maintenance time.
type Interval struct {
	Span
	State  State
	Reason string
}

// Timeline returns camera c's intervals inside w, after agent loss and
// maintenance have been painted over what the camera reported, and how many
// of its transitions were skipped for an unknown state. Intervals are
// sorted, do not overlap and never hold zero time; neighbours differ in state
// or reason. Gaps are time when the camera was not monitored (before its
// first transition, after its removal).
func (h *History) Timeline(c *Camera, w Span) ([]Interval, int) {
	lost, _ := normalize(h.AgentLost[c.Agent])
	var maint []Span
	for _, m := range h.Maintenance {
		if m.applies(c) {
			maint = append(maint, m.Span)
		}
	}
	maint, _ = normalize(maint)
	var b timelineBuf
	ivs, skipped := b.build(c, w, lost, maint)
	return slices.Clone(ivs), skipped
}

func (m *MaintenanceWindow) applies(c *Camera) bool {
	if m.Camera != "" {
		return m.Camera == c.ID && (m.Site == "" || m.Site == c.Site)
	}
	return m.Program != "" && m.Program == c.Labels.Program
}

// timelineBuf keeps the scratch slices of timeline building so a report over
// thousands of cameras does not allocate per camera.
type timelineBuf struct {
	ts       []Transition
	ivs, out []Interval
	lost     []Span
}

// build returns the timeline in b's memory: valid until the next call.
func (b *timelineBuf) build(c *Camera, w Span, lost, maint []Span) ([]Interval, int) {
	b.ts = b.ts[:0]
	skipped := 0
	for _, t := range c.Transitions {
		if !t.State.Valid() {
			skipped++
			continue
		}
		b.ts = append(b.ts, t)
	}
	if len(b.ts) == 0 || w.Empty() {
		return nil, skipped
	}
	if !slices.IsSortedFunc(b.ts, cmpTransition) {
		slices.SortFunc(b.ts, cmpTransition)
	}
	// Exact duplicates are adjacent after sorting; any copy but the first
	// would only add a zero-length interval, so they vanish below anyway,
	// but dropping them keeps the walk honest.
	b.ts = slices.CompactFunc(b.ts, func(a, b Transition) bool { return cmpTransition(a, b) == 0 })

	start, end := w.From, w.To
	if first := b.ts[0].Time; first.After(start) {
		start = first
	}
	if !c.Removed.IsZero() && c.Removed.Before(end) {
		end = c.Removed
	}
	b.ivs = b.ivs[:0]
	if !start.Before(end) {
		return nil, skipped
	}
	// The state at start is the last transition at or before it.
	i, _ := slices.BinarySearchFunc(b.ts, start, func(t Transition, at time.Time) int {
		if t.Time.After(at) {
			return 1
		}
		return -1
	})
	i-- // b.ts[i] is the last with Time <= start; i >= 0 since b.ts[0].Time <= start
	for ; i < len(b.ts); i++ {
		from := maxTime(b.ts[i].Time, start)
		to := end
		if i+1 < len(b.ts) && b.ts[i+1].Time.Before(end) {
			to = b.ts[i+1].Time
		}
		b.ivs = appendInterval(b.ivs, Interval{Span{from, to}, b.ts[i].State, b.ts[i].Reason})
		if !to.Before(end) {
			break
		}
	}
	if !c.Silent.IsZero() && c.Silent.Before(end) {
		b.lost = mergeSpans(b.lost[:0], lost, []Span{{maxTime(c.Silent, start), end}})
		lost = b.lost
	}
	b.out = paint(b.out[:0], b.ivs, lost, Unknown)
	b.ivs = paint(b.ivs[:0], b.out, maint, Maintenance)
	return b.ivs, skipped
}

// cmpTransition orders by time, then seq, then content, so duplicates sit
// side by side and the order never depends on arrival.
func cmpTransition(a, b Transition) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.State, b.State), cmp.Compare(a.Reason, b.Reason))
}

// appendInterval adds iv, dropping it when empty and merging it into the
// last interval when they touch and say the same.
func appendInterval(ivs []Interval, iv Interval) []Interval {
	if iv.Empty() {
		return ivs
	}
	if n := len(ivs); n > 0 {
		last := &ivs[n-1]
		if last.State == iv.State && last.Reason == iv.Reason && last.To.Equal(iv.From) {
			last.To = iv.To
			return ivs
		}
	}
	return append(ivs, iv)
}

// paint appends to dst the intervals of src with the parts covered by spans
// (sorted, disjoint) replaced by state st. It never extends the timeline:
// time outside src stays unmonitored.
func paint(dst, src []Interval, spans []Span, st State) []Interval {
	if len(spans) == 0 {
		return append(dst, src...)
	}
	j := 0
	for _, iv := range src {
		cur := iv.From
		for cur.Before(iv.To) {
			for j < len(spans) && !spans[j].To.After(cur) {
				j++
			}
			if j == len(spans) || !spans[j].From.Before(iv.To) {
				dst = appendInterval(dst, Interval{Span{cur, iv.To}, iv.State, iv.Reason})
				break
			}
			if spans[j].From.After(cur) {
				dst = appendInterval(dst, Interval{Span{cur, spans[j].From}, iv.State, iv.Reason})
				cur = spans[j].From
			}
			e := minTime(spans[j].To, iv.To)
			dst = appendInterval(dst, Interval{Span{cur, e}, st, ""})
			cur = e
		}
	}
	return dst
}

// normalize sorts spans and merges overlapping or touching ones, dropping
// empty spans; it returns how many it dropped.
func normalize(spans []Span) ([]Span, int) {
	if len(spans) == 0 {
		return nil, 0
	}
	out := make([]Span, 0, len(spans))
	dropped := 0
	for _, s := range spans {
		if s.Empty() {
			dropped++
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Span) int { return a.From.Compare(b.From) })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && !s.From.After(merged[n-1].To) {
			merged[n-1].To = maxTime(merged[n-1].To, s.To)
			continue
		}
		merged = append(merged, s)
	}
	return merged, dropped
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

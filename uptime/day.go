package uptime

import "time"

// Day is one local calendar day of a daily series; the first and last day
// of a window may be partial (Span says which part was covered).
type Day struct {
	// Date is the local date, YYYY-MM-DD.
	Date string `json:"date"`
	Span
	Totals
	UptimePercent float64 `json:"uptime_percent"`
	Rated         bool    `json:"rated"`
}

// dayBounds cuts the window at every local midnight inside it: the result
// starts with w.From, ends with w.To, and holds one more entry than there are
// days. Computed with time.Date, so it would also follow a zone with DST.
func dayBounds(w Span, loc *time.Location) []time.Time {
	if w.Empty() {
		return nil
	}
	b := []time.Time{w.From}
	l := w.From.In(loc)
	for d := 1; ; d++ {
		mid := time.Date(l.Year(), l.Month(), l.Day()+d, 0, 0, 0, 0, loc)
		if !mid.Before(w.To) {
			break
		}
		b = append(b, mid)
	}
	return append(b, w.To)
}

// newDays returns the empty days for the bounds.
func newDays(bounds []time.Time, loc *time.Location) []Day {
	if len(bounds) < 2 {
		return nil
	}
	days := make([]Day, len(bounds)-1)
	for i := range days {
		days[i].Span = Span{bounds[i], bounds[i+1]}
		days[i].Date = bounds[i].In(loc).Format(time.DateOnly)
	}
	return days
}

// splitDays adds each interval's time to the days it falls on.
func splitDays(days []Day, ivs []Interval) {
	k := 0
	for _, iv := range ivs {
		cur := iv.From
		for k < len(days) && !days[k].To.After(cur) {
			k++
		}
		for k < len(days) && cur.Before(iv.To) {
			e := minTime(iv.To, days[k].To)
			days[k].add(iv.State, e.Sub(cur))
			cur = e
			if cur.Equal(days[k].To) {
				k++
			}
		}
	}
}

func finishDays(days []Day) {
	for i := range days {
		days[i].UptimePercent, days[i].Rated = days[i].Uptime()
	}
}

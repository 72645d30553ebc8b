package alerts

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule limits when a rule may fire, as weekly wall-clock windows in the
// rules file's time zone. A window whose end is before its start crosses
// midnight and belongs to the day it starts on: days [fri] with window
// 22:00-05:00 is armed from Friday 22:00 to Saturday 05:00.
type Schedule struct {
	// Days are weekdays or ranges such as "mon-fri", "sat", "fri-mon";
	// empty is every day.
	Days []string `yaml:"days"`
	// Windows are "HH:MM-HH:MM" ranges, end exclusive; empty is all day.
	Windows []string `yaml:"windows"`

	days    [7]bool
	windows []window
	parsed  bool
}

// window is a parsed "HH:MM-HH:MM", in minutes since midnight.
type window struct{ from, to int }

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func (s *Schedule) validate(f string) error {
	s.days = [7]bool{}
	s.windows = nil
	if len(s.Days) == 0 {
		s.days = [7]bool{true, true, true, true, true, true, true}
	}
	for i, d := range s.Days {
		from, to, ok := parseDayRange(d)
		if !ok {
			return fieldErr(fmt.Sprintf("%s.days[%d]", f, i), "%q is not a weekday range (e.g. mon-fri, sat)", d)
		}
		for w := from; ; w = (w + 1) % 7 {
			s.days[w] = true
			if w == to {
				break
			}
		}
	}
	for i, w := range s.Windows {
		win, ok := parseWindow(w)
		if !ok {
			return fieldErr(fmt.Sprintf("%s.windows[%d]", f, i), "%q is not a window HH:MM-HH:MM with different ends", w)
		}
		s.windows = append(s.windows, win)
	}
	s.parsed = true
	return nil
}

func parseDayRange(s string) (from, to time.Weekday, ok bool) {
	a, b, isRange := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	from, ok = weekdays[a]
	if !ok {
		return 0, 0, false
	}
	if !isRange {
		return from, from, true
	}
	to, ok = weekdays[b]
	return from, to, ok
}

func parseWindow(s string) (window, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return window{}, false
	}
	from, ok1 := parseClock(a, false)
	to, ok2 := parseClock(b, true)
	if !ok1 || !ok2 || from == to {
		return window{}, false
	}
	return window{from, to}, true
}

// parseClock reads "HH:MM" as minutes since midnight; "24:00" is allowed
// as an end.
func parseClock(s string, end bool) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || mm < 0 || mm > 59 || hh < 0 {
		return 0, false
	}
	if hh == 24 && mm == 0 && end {
		return 24 * 60, true
	}
	if hh > 23 {
		return 0, false
	}
	return hh*60 + mm, true
}

// Active reports whether the schedule is armed at t, read in loc. A
// schedule that was never validated (the zero value) is always armed.
func (s *Schedule) Active(t time.Time, loc *time.Location) bool {
	if !s.parsed {
		return true
	}
	lt := t.In(loc)
	day := lt.Weekday()
	minute := lt.Hour()*60 + lt.Minute()
	if len(s.windows) == 0 {
		return s.days[day]
	}
	yesterday := (day + 6) % 7
	for _, w := range s.windows {
		if w.from < w.to {
			if s.days[day] && minute >= w.from && minute < w.to {
				return true
			}
			continue
		}
		// Crosses midnight: the evening part today, the morning part
		// belongs to a window that started yesterday.
		if s.days[day] && minute >= w.from {
			return true
		}
		if s.days[yesterday] && minute < w.to {
			return true
		}
	}
	return false
}

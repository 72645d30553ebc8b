package review

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// ErrPeriod means a period could not be read.
var ErrPeriod = errors.New("review: bad period")

// Period is a calendar month or quarter in the site's zone.
type Period struct {
	// Label is "2026-11" or "2026-Q4".
	Label    string
	From, To time.Time
}

var (
	monthRe   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterRe = regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`)
)

// ParsePeriod reads "YYYY-MM" (a month) or "YYYY-Qn" (a quarter),
// starting and ending at local midnights of loc.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if m := monthRe.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 || y < 2000 || y > 2200 {
			return Period{}, fmt.Errorf("%w: %q: month %d of year %d", ErrPeriod, s, mo, y)
		}
		from := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc)
		return Period{Label: s, From: from, To: from.AddDate(0, 1, 0)}, nil
	}
	if m := quarterRe.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		if y < 2000 || y > 2200 {
			return Period{}, fmt.Errorf("%w: %q: year %d", ErrPeriod, s, y)
		}
		from := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
		return Period{Label: fmt.Sprintf("%d-Q%d", y, q), From: from, To: from.AddDate(0, 3, 0)}, nil
	}
	return Period{}, fmt.Errorf("%w: %q is not YYYY-MM or YYYY-Qn", ErrPeriod, s)
}

// Previous is the period of the same length just before p.
func (p Period) Previous() Period {
	months := 1
	if len(p.Label) == 7 && p.Label[5] == 'Q' {
		months = 3
	}
	from := p.From.AddDate(0, -months, 0)
	label := from.Format("2006-01")
	if months == 3 {
		label = fmt.Sprintf("%d-Q%d", from.Year(), (int(from.Month())-1)/3+1)
	}
	return Period{Label: label, From: from, To: p.From}
}

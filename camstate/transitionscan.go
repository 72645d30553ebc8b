package camstate

import (
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// scanTransition reads a transitions member in one pass, in the order
// json.Marshal writes transition's fields (status, reason, detail, since,
// time, seq), with a hand-written parser for the UTC timestamps the
// ingester writes: the 30-day report of a city decodes 270,000 of them,
// and the key searches of scanChange plus time.Parse were a quarter of its
// CPU. Anything else (another field order, an escape, a zone offset)
// answers false, and decodeChange falls back to scanChange, then to
// encoding/json; FuzzScanTransition holds it to encoding/json's answer.
func scanTransition(raw string) (StatusChange, bool) {
	var c StatusChange
	rest, ok := strings.CutPrefix(raw, `{"status":"`)
	if !ok {
		return c, false
	}
	if c.Status, rest, ok = cutPlain(rest); !ok {
		return c, false
	}
	if r, found := strings.CutPrefix(rest, `,"reason":"`); found {
		if c.Reason, rest, ok = cutPlain(r); !ok {
			return c, false
		}
	}
	if r, found := strings.CutPrefix(rest, `,"detail":"`); found {
		if _, rest, ok = cutPlain(r); !ok {
			return c, false
		}
	}
	r, found := strings.CutPrefix(rest, `,"since":"`)
	if !found {
		return c, false
	}
	var since string
	if since, rest, ok = cutPlain(r); !ok {
		return c, false
	}
	if r, found = strings.CutPrefix(rest, `,"time":"`); !found {
		return c, false
	}
	var at string
	if at, rest, ok = cutPlain(r); !ok {
		return c, false
	}
	if r, found = strings.CutPrefix(rest, `,"seq":`); !found {
		return c, false
	}
	digits, found := strings.CutSuffix(r, "}")
	if !found || len(digits) == 0 || len(digits) > 19 || (len(digits) > 1 && digits[0] == '0') {
		return c, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return c, false
		}
		c.Seq = c.Seq*10 + uint64(digits[i]-'0')
	}
	if c.Since, ok = parseUTC(since); !ok || c.Since.IsZero() {
		return StatusChange{}, false
	}
	if !validUTC(at) {
		return StatusChange{}, false
	}
	return c, true
}

// cutPlain splits s at the first quote: a JSON string's value, if it is
// plain printable ASCII (no escape, no control character, nothing
// encoding/json would replace).
func cutPlain(s string) (val, rest string, ok bool) {
	for j := 0; j < len(s); j++ {
		switch b := s[j]; {
		case b == '"':
			return s[:j], s[j+1:], true
		case b == '\\' || b < 0x20 || b >= 0x80:
			return "", "", false
		}
	}
	return "", "", false
}

// parseUTC parses "2006-01-02T15:04:05[.fraction]Z", as time.Time's JSON
// encoding writes a UTC time; false for anything else.
func parseUTC(s string) (time.Time, bool) {
	f, ok := scanUTC(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6], time.UTC), true
}

// validUTC is parseUTC's check without building the time.
func validUTC(s string) bool {
	_, ok := scanUTC(s)
	return ok
}

// scanUTC returns year, month, day, hour, minute, second, nanosecond.
func scanUTC(s string) ([7]int, bool) {
	var f [7]int
	n := len(s)
	if n < 20 || s[n-1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return f, false
	}
	num := func(a, b int) int {
		v := 0
		for i := a; i < b; i++ {
			if s[i] < '0' || s[i] > '9' {
				return -1
			}
			v = v*10 + int(s[i]-'0')
		}
		return v
	}
	f = [7]int{num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), 0}
	year, mon, day := f[0], f[1], f[2]
	if year < 0 || mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, year) ||
		f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 59 {
		return f, false
	}
	if n > 20 {
		frac := s[19 : n-1]
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return f, false
		}
		if f[6] = num(20, n-1); f[6] < 0 {
			return f, false
		}
		for range 10 - len(frac) {
			f[6] *= 10
		}
	}
	return f, true
}

func daysIn(mon, year int) int {
	switch mon {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// scanLabels reads a camera's labels as the apply script stores them
// (json.Marshal of event.Labels: program, ward, location, vendor, model,
// each left out when empty) in one pass; false for anything else (an
// escape, non-ASCII text), and the caller falls back to encoding/json.
// Decoding 10,000 cameras' labels with encoding/json was a tenth of the
// 30-day city report's client CPU.
func scanLabels(raw string) (event.Labels, bool) {
	var l event.Labels
	rest, ok := strings.CutPrefix(raw, "{")
	if !ok {
		return l, false
	}
	first := true
	for _, f := range []struct {
		key string
		dst *string
	}{{`"program":"`, &l.Program}, {`"ward":"`, &l.Ward}, {`"location":"`, &l.Location}, {`"vendor":"`, &l.Vendor}, {`"model":"`, &l.Model}} {
		r := rest
		if !first {
			if r, ok = strings.CutPrefix(r, ","); !ok {
				continue
			}
		}
		r, found := strings.CutPrefix(r, f.key)
		if !found {
			continue
		}
		if *f.dst, rest, ok = cutPlain(r); !ok || *f.dst == "" {
			return event.Labels{}, false // an escape, or an empty value omitempty never writes
		}
		first = false
	}
	return l, rest == "}"
}

package api

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/evidence"
)

// FuzzLoginBody: the login body decoder takes exactly one object of the
// two known fields, never panics, and refuses trailing data.
func FuzzLoginBody(f *testing.F) {
	for _, s := range []string{`{"user":"lan","password":"x"}`, `{"user":"lan"} {}`, `{"user":1}`, `[]`, ``, `{"user":"a","password":"b","x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b loginBody
		if err := decodeJSON(strings.NewReader(s), &b); err != nil {
			return
		}
		if rest := strings.TrimSpace(s); !strings.HasPrefix(rest, "{") && rest != "null" {
			t.Fatalf("accepted a non-object %q", s)
		}
	})
}

// FuzzForwardedFor: the client address behind a trusted proxy is always
// a parsed address, from the header or the peer.
func FuzzForwardedFor(f *testing.F) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, s := range []string{"203.0.113.7", "203.0.113.7, 10.0.0.2", "garbage, 10.0.0.2", "", ",,,", "::1, 2001:db8::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, xff string) {
		peer := netip.MustParseAddr("127.0.0.1")
		got := forwardedClient([]string{xff}, peer, trusted)
		if !got.IsValid() {
			t.Fatalf("%q gave an invalid address", xff)
		}
	})
}

// FuzzAuditQuery: the audit filters never panic and a parsed query is
// within its bounds.
func FuzzAuditQuery(f *testing.F) {
	f.Add("actor=lan&action=alert.&limit=10&from=2026-01-01T00:00:00Z")
	f.Add("result=bogus&limit=-1&to=x")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseAuditQuery(v.Get)
		if err == nil && (q.Limit < 1 || q.Limit > 1000 || len(q.Actor) > 200) {
			t.Fatalf("%q parsed to %+v", raw, q)
		}
	})
}

// FuzzTimelineQuery: the timeline's query parsing never panics, and a
// parsed query is within its bounds.
func FuzzTimelineQuery(f *testing.F) {
	f.Add("program=pa,pb&ward=w1&camera=c-1&from=2026-12-01T00:00:00Z&to=2026-12-01T12:00:00Z&kind=motion.start,clip&limit=10")
	f.Add("camera=a%20b&from=x&kind=stats&limit=-1")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseTimelineQuery(v, now)
		if err != nil {
			return
		}
		if !q.from.Before(q.to) || q.to.Sub(q.from) > TimelineMaxWindow || q.limit < 1 || q.limit > TimelineMaxLimit ||
			len(q.cameras) > TimelineMaxCameras {
			t.Fatalf("%q parsed to %+v", raw, q)
		}
	})
}

// FuzzCaseBody: the case body decoder and checks never panic.
func FuzzCaseBody(f *testing.F) {
	f.Add(`{"number":"1","title":"t","reason":"r","cameras":["c"],"from":"2026-12-01T00:00:00Z","to":"2026-12-01T01:00:00Z"}`)
	f.Add(`{"number":"","programs":["../x"]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		var b caseBody
		if decodeJSON(strings.NewReader(raw), &b) != nil {
			return
		}
		c := evidence.Case{Number: b.Number, Title: b.Title, Reason: b.Reason,
			Query: evidence.Query{Programs: b.Programs, Wards: b.Wards, Cameras: b.Cameras, From: b.From, To: b.To}}
		if c.CheckNew() == nil && (!c.Query.From.Before(c.Query.To) || c.Number == "") {
			t.Fatalf("%q accepted", raw)
		}
	})
}

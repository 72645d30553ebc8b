package camstate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// jsonChange is decodeChange's encoding/json path, the reference.
func jsonChange(raw string) (StatusChange, bool) {
	var st transition
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return StatusChange{}, false
	}
	return StatusChange{Since: st.Since.UTC(), Seq: st.Seq, Status: string(st.Status), Reason: string(st.Reason)}, true
}

// TestScanTransition: the members the ingester writes take the fast path
// and decode as encoding/json decodes them; others fall back.
func TestScanTransition(t *testing.T) {
	at := time.Date(2026, 11, 30, 23, 59, 58, 123456789, time.UTC)
	ict := time.FixedZone("ICT", 7*3600)
	for _, tc := range []struct {
		name string
		tr   transition
		fast bool
	}{
		{"offline with reason", transition{Status: event.StatusOffline, Reason: event.ReasonTimeout, Since: at, Time: at.Add(time.Second), Seq: 42}, true},
		{"online, whole seconds", transition{Status: event.StatusOnline, Since: at.Truncate(time.Second), Time: at, Seq: 1}, true},
		{"with detail", transition{Status: event.StatusOffline, Reason: event.ReasonRefused, Detail: "dial tcp: refused", Since: at, Time: at, Seq: 7}, true},
		{"detail with an escape", transition{Status: event.StatusOffline, Detail: `say "no"`, Since: at, Time: at, Seq: 7}, false},
		{"since in another zone", transition{Status: event.StatusOnline, Since: at.In(ict), Time: at, Seq: 3}, false},
		{"millisecond since", transition{Status: event.StatusOnline, Since: at.Truncate(time.Millisecond), Time: at, Seq: 1<<63 + 5}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.tr)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := scanTransition(string(b))
			if ok != tc.fast {
				t.Fatalf("fast path %v for %s, want %v", ok, b, tc.fast)
			}
			want, _ := jsonChange(string(b))
			if dec := decodeChange(string(b)); !dec.Since.Equal(want.Since) || dec.Seq != want.Seq || dec.Status != want.Status || dec.Reason != want.Reason {
				t.Fatalf("decodeChange %+v, encoding/json %+v", dec, want)
			}
			if ok && got != want {
				t.Fatalf("scanTransition %+v, encoding/json %+v", got, want)
			}
		})
	}
}

// FuzzScanTransition: whatever the member, when the fast path answers it
// agrees with encoding/json.
func FuzzScanTransition(f *testing.F) {
	at := time.Date(2026, 11, 30, 23, 59, 58, 120000000, time.UTC)
	for _, tr := range []transition{
		{Status: event.StatusOffline, Reason: event.ReasonTimeout, Since: at, Time: at, Seq: 42},
		{Status: event.StatusOnline, Detail: "x", Since: at.Truncate(time.Second), Time: at, Seq: 0},
	} {
		b, _ := json.Marshal(tr)
		f.Add(string(b))
	}
	f.Add(`{"status":"online","since":"2026-02-30T00:00:00Z","time":"2026-02-28T00:00:00Z","seq":1}`)
	f.Add(`{"status":"online","since":"2026-01-01T00:00:00.Z","time":"2026-01-01T00:00:00Z","seq":01}`)
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := scanTransition(raw)
		if !ok {
			return
		}
		want, jok := jsonChange(raw)
		if !jok {
			t.Fatalf("fast path took %q, which encoding/json refuses", raw)
		}
		if got != want {
			t.Fatalf("%q: scanTransition %+v, encoding/json %+v", raw, got, want)
		}
	})
}

// TestParseUTC: the calendar as time.Parse knows it.
func TestParseUTC(t *testing.T) {
	for _, s := range []string{"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T12:00:00.5Z",
		"2026-11-31T00:00:00Z", "2026-12-31T23:59:59.999999999Z", "2026-12-31T24:00:00Z", "2026-12-31T23:60:00Z", "2026-12-31T23:00:00.1234567891Z"} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got, ok := parseUTC(s)
		// More than 9 fraction digits (time.Parse truncates; the JSON
		// encoding never writes them) may fall back to time.Parse.
		declined := !ok && err == nil && len(s) > 30
		if ok != (err == nil) && !declined || ok && !got.Equal(want) {
			t.Errorf("parseUTC(%s) = %v, %v; time.Parse %v, %v", s, got, ok, want, err)
		}
	}
}

// TestScanLabels: labels as the ingester stores them take the fast path
// and decode as encoding/json decodes them; others fall back.
func TestScanLabels(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    event.Labels
		fast bool
	}{
		{"all", event.Labels{Program: "p", Ward: "w", Location: "Le Loi at Pasteur", Vendor: "hik", Model: "m1"}, true},
		{"some", event.Labels{Program: "p", Vendor: "dahua"}, true},
		{"none", event.Labels{}, true},
		{"only the last", event.Labels{Model: "m"}, true},
		{"not ASCII", event.Labels{Program: "p", Location: "Lê Lợi – Pasteur"}, false},
		{"a quote", event.Labels{Location: `the "gate"`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.l)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := scanLabels(string(b))
			if ok != tc.fast || ok && got != tc.l {
				t.Fatalf("scanLabels(%s) = %+v, %v; want %+v, %v", b, got, ok, tc.l, tc.fast)
			}
		})
	}
}

// FuzzScanLabels: whatever the stored labels, when the fast path answers
// it agrees with encoding/json.
func FuzzScanLabels(f *testing.F) {
	for _, l := range []event.Labels{{Program: "p", Ward: "w", Location: "x", Vendor: "v", Model: "m"}, {Ward: "w"}} {
		b, _ := json.Marshal(l)
		f.Add(string(b))
	}
	f.Add(`{"ward":"w","program":"p"}`)
	f.Add(`{"program":"","ward":"w"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := scanLabels(raw)
		if !ok {
			return
		}
		var want event.Labels
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatalf("fast path took %q, which encoding/json refuses: %v", raw, err)
		}
		if got != want {
			t.Fatalf("%q: scanLabels %+v, encoding/json %+v", raw, got, want)
		}
	})
}

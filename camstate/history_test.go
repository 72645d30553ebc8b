package camstate

import (
	"testing"
	"time"
)

var genEnd = time.Date(2025, 3, 1, 5, 0, 0, 0, time.UTC)

func TestGapMember(t *testing.T) {
	s := Loss{genEnd, genEnd.Add(90 * time.Second)}
	got, ok := parseGap(gapMember(s))
	if !ok || got != s {
		t.Errorf("round trip = %v %v, want %v", got, ok, s)
	}
	for _, bad := range []string{"", "12", "a-b", "20-10", "10-10", "-5-7"} {
		if _, ok := parseGap(bad); ok {
			t.Errorf("parseGap(%q) accepted", bad)
		}
	}
}

// TestDecodeChange checks the fast scan against encoding/json on what
// the ingester writes and on what it might write one day.
func TestDecodeChange(t *testing.T) {
	since := time.Date(2025, 1, 2, 3, 4, 5, 678000000, time.UTC)
	for _, tc := range []struct {
		name string
		raw  string
		want StatusChange
	}{
		{"as the ingester writes it", `{"status":"offline","reason":"timeout","detail":"dial tcp: i/o timeout","since":"2025-01-02T03:04:05.678Z","time":"2025-01-02T03:04:09Z","seq":42}`,
			StatusChange{since, 42, "offline", "timeout"}},
		{"online without reason", `{"status":"online","since":"2025-01-02T10:04:05.678+07:00","time":"2025-01-02T03:04:09Z","seq":7}`,
			StatusChange{since, 7, "online", ""}},
		{"detail quoting a key", `{"status":"offline","reason":"protocol","detail":"bad \"since\":\"1999\" \\ x","since":"2025-01-02T03:04:05.678Z","time":"2025-01-02T03:04:09Z","seq":3}`,
			StatusChange{since, 3, "offline", "protocol"}},
		{"fields in another order", `{"seq":9,"since":"2025-01-02T03:04:05.678Z","status":"online"}`,
			StatusChange{since, 9, "online", ""}},
		{"no since: the event time", `{"status":"offline","reason":"closed","time":"2025-01-02T03:04:05.678Z","seq":1}`,
			StatusChange{since, 1, "offline", "closed"}},
		{"escaped reason falls back to encoding/json", `{"status":"offline","reason":"r\u0065fused","since":"2025-01-02T03:04:05.678Z","seq":2}`,
			StatusChange{since, 2, "offline", "refused"}},
		{"damaged", `{"status":"offline"`, StatusChange{Status: "damaged"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeChange(tc.raw); got != tc.want {
				t.Errorf("decodeChange = %+v, want %+v", got, tc.want)
			}
		})
	}
}

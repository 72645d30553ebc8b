package lograte

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	l := New(time.Minute)
	for _, tc := range []struct {
		name string
		key  string
		at   time.Duration
		want bool
	}{
		{"first of a key", "decode", 0, true},
		{"repeat within the period", "decode", 30 * time.Second, false},
		{"another key", "subject", 31 * time.Second, true},
		{"after the period", "decode", time.Minute, true},
		{"repeat again", "decode", time.Minute + time.Second, false},
	} {
		if got := l.Allow(tc.key, t0.Add(tc.at)); got != tc.want {
			t.Errorf("%s: Allow = %v, want %v", tc.name, got, tc.want)
		}
	}
}

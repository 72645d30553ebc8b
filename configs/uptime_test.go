package configs

import (
	"strings"
	"testing"
	"time"
)

func TestAggregatorUptime(t *testing.T) {
	for _, tc := range []struct {
		name  string
		yaml  string
		err   string
		check func(t *testing.T, u Uptime)
	}{
		{"defaults", "{}", "", func(t *testing.T, u Uptime) {
			if u.Target != 0 || u.Stale != time.Hour {
				t.Errorf("uptime = %+v", u)
			}
		}},
		{"targets", "uptime: {target: 98.5, programs: {p1: 99.9, p2: 0}, stale: 2h}", "", func(t *testing.T, u Uptime) {
			if u.Target != 98.5 || u.Programs["p1"] != 99.9 || u.Programs["p2"] != 0 || u.Stale != 2*time.Hour {
				t.Errorf("uptime = %+v", u)
			}
		}},
		{"target above 100", "uptime: {target: 101}", "uptime.target", nil},
		{"negative program target", "uptime: {programs: {p1: -1}}", "uptime.programs.p1", nil},
		{"empty program name", `uptime: {programs: {" ": 99}}`, "uptime.programs", nil},
		{"negative stale", "uptime: {stale: -1m}", "uptime.stale", nil},
		{"unknown field", "uptime: {targets: 99}", "targets", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Aggregator
			err := Parse([]byte(tc.yaml), &c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c.Uptime)
		})
	}
}

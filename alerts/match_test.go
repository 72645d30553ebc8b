package alerts

import (
	"testing"

	"github.com/camwatch/camwatch/event"
)

func TestMatch(t *testing.T) {
	gate := event.Labels{Program: "boarding-house-hem-42", Ward: "ben-nghe", Vendor: "dahua"}
	for _, tc := range []struct {
		name   string
		m      Match
		camera string
		want   bool
	}{
		{"empty matches all", Match{}, "ht42-gate", true},
		{"program included", Match{Programs: []string{"ben-nghe-street-cameras", "boarding-house-hem-42"}}, "ht42-gate", true},
		{"program not included", Match{Programs: []string{"ben-nghe-street-cameras"}}, "ht42-gate", false},
		{"camera id", Match{Cameras: []string{"ht42-gate"}}, "ht42-gate", true},
		{"other camera id", Match{Cameras: []string{"ht42-gate"}}, "ht42-hall", false},
		{"all lists must hold", Match{Programs: []string{"boarding-house-hem-42"}, Vendors: []string{"hikvision"}}, "ht42-gate", false},
		{"ward and vendor", Match{Wards: []string{"ben-nghe"}, Vendors: []string{"dahua"}}, "ht42-gate", true},
		{"site", Match{Sites: []string{"hcm-q3"}}, "ht42-gate", false},
		{"camera reference of its site", Match{Cameras: []string{"hcm-q1-ben-nghe/ht42-gate"}}, "ht42-gate", true},
		{"the same id at another site", Match{Cameras: []string{"hcm-q3/ht42-gate"}}, "ht42-gate", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Matches("hcm-q1-ben-nghe", tc.camera, gate); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

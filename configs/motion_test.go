package configs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestMotionFile reads a detect -config file: defaults fill in, every
// detector is accepted, and each bad value is named by its field.
func TestMotionFile(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, field string
	}{
		{"pixel with zones", "detector: pixel\nzones: [{name: door, points: [[0,0],[0.5,0],[0.5,1]]}]\nmasks: [{points: [[0.9,0],[1,0],[1,0.1]]}]\n", ""},
		{"gate", "detector: gate\ndetect_fps: 2\ndetect_width: 160\n", ""},
		{"bad detector", "detector: magic\n", "motion.detector"},
		{"bad fps", "detector: pixel\ndetect_fps: 100\n", "motion.detect_fps"},
		{"bad width", "detector: pixel\ndetect_width: 8\n", "motion.detect_width"},
		{"bad min area", "min_area: -1\n", "motion.min_area"},
		{"zone name", "zones: [{name: 'a b', points: [[0,0],[1,0],[1,1]]}]\n", "motion.zones[0].name"},
		{"zone twice", "zones: [{name: a, points: [[0,0],[1,0],[1,1]]}, {name: a, points: [[0,0],[1,0],[1,1]]}]\n", "motion.zones[1].name"},
		{"two points", "zones: [{name: a, points: [[0,0],[1,0]]}]\n", "motion.zones[0].points"},
		{"point outside", "masks: [{points: [[0,0],[1.5,0],[1,1]]}]\n", "motion.masks[0].points[1]"},
		{"unknown key", "detectr: pixel\n", "detectr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Motion
			err := Parse([]byte(tc.yaml), &m)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if m.DetectFPS <= 0 || m.DetectWidth <= 0 || m.MinArea != 0.25 || m.PostRoll != 3*time.Second {
					t.Errorf("defaults not filled: %+v", m)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
			if tc.field != "detectr" && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

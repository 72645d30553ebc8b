package demo

import "testing"

// TestStatusCell: the demo's camera table says why a camera is not
// healthy, an online one with a picture fault included.
func TestStatusCell(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  cameraRow
		want string
	}{
		{"healthy", cameraRow{Status: "online"}, "online"},
		{"frozen picture", cameraRow{Status: "online", Reason: "frozen"}, "online (frozen)"},
		{"connected, no frames", cameraRow{Status: "online", Reason: "no_frames"}, "online (no_frames)"},
		{"offline", cameraRow{Status: "offline", Reason: "refused"}, "offline (refused)"},
		{"agent lost", cameraRow{Status: "unknown"}, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusCell(tc.row); got != tc.want {
				t.Errorf("statusCell = %q, want %q", got, tc.want)
			}
		})
	}
}

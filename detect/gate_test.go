package detect

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/motion"
)

// TestGateLearnsGrain: on a quiet camera whose sensor grain lifts the
// compressed score past half the threshold now and then (simcam's
// static-640x360 and busy-640x360), the default detector learns the
// grain's level and keeps the gate shut (keyframes only, after the first
// loop), while the walk on the same street still opens it and is found.
// With the fixed level at half the threshold it decoded every frame.
func TestGateLearnsGrain(t *testing.T) {
	cases := []struct {
		clip      string
		maxShare  float64 // of the access units of loops 2 and 3 decoded
		wantStart bool
	}{
		{"static-640x360.h264", 0.1, false},
		{"busy-640x360.h264", 0.1, false},
		{"walk-640x360.h264", 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.clip, func(t *testing.T) {
			p, err := New(defaults(t, Auto), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			clip := readClip(t, simClips+tc.clip)
			p.Start(clip.Codec, nil)
			n, decoded, starts := 0, 0, 0
			clip.Play(p, time.Unix(0, 0), 3, func(_ time.Time, r *Result) {
				if n++; n > len(clip.Units) {
					decoded += r.Decoded
				}
				for _, tr := range r.Motion {
					if tr.Kind == motion.Start {
						starts++
					}
				}
			})
			share := float64(decoded) / float64(2*len(clip.Units))
			if share > tc.maxShare {
				t.Errorf("decoded %.0f%% of the access units, want at most %.0f%%", 100*share, 100*tc.maxShare)
			}
			if (starts > 0) != tc.wantStart {
				t.Errorf("%d motion starts, want some: %v", starts, tc.wantStart)
			}
			t.Logf("decoded %.1f%% of the units of loops 2 and 3, %d motion starts", 100*share, starts)
		})
	}
}

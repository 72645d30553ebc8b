package quality

import (
	"testing"

	"github.com/camwatch/camwatch/configs"
)

// BenchmarkTier reports each tier's CPU per stream on the walk clip: the
// compressed tier at 15 fps (every access unit), the pixel tier and the
// gate at 15 fps in, decoded and detected at 5 fps.
func BenchmarkTier(b *testing.B) {
	for _, tier := range Tiers {
		b.Run(string(tier), func(b *testing.B) {
			var frames int
			for b.Loop() {
				run, err := RunClip("testdata/clips/walk-normal.h264", 15, 1, tier, configs.Motion{})
				if err != nil {
					b.Fatal(err)
				}
				frames += 16 * 15 // access units in, whatever the tier decodes
				_ = run
			}
			nsPerAU := float64(b.Elapsed().Nanoseconds()) / float64(frames)
			b.ReportMetric(nsPerAU, "ns/frame")
			// percent of one core for a 15 fps stream
			b.ReportMetric(nsPerAU*15/1e9*100, "%core/stream")
		})
	}
}

package quality

import (
	"testing"

	"github.com/camwatch/camwatch/configs"
)

// BenchmarkTier reports each tier's CPU per 15 fps stream, on a clip
// with a walker for 5 of its 16 s and on a quiet one (where the gate
// decodes little more than keyframes): the compressed tier reads every
// access unit's size, the pixel tier and the gate decode and detect at
// 5 fps. Reading and splitting the clip file is counted too (a slight
// overestimate), and so is each run's 2 s of warm-up, when the gate decodes
// everything.
func BenchmarkTier(b *testing.B) {
	for _, tier := range Tiers {
		for _, clip := range []string{"walk-normal", "static"} {
			b.Run(string(tier)+"/"+clip, func(b *testing.B) {
				var frames int
				for b.Loop() {
					if _, err := RunClip("testdata/clips/"+clip+".h264", 15, 1, tier, configs.Motion{}); err != nil {
						b.Fatal(err)
					}
					frames += 16 * 15 // access units in, whatever the tier decodes
				}
				nsPerAU := float64(b.Elapsed().Nanoseconds()) / float64(frames)
				b.ReportMetric(nsPerAU, "ns/frame")
				b.ReportMetric(nsPerAU*15/1e9*100, "%core/stream")
			})
		}
	}
}

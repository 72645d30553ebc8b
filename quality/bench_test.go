package quality

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/detect"
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

// BenchmarkStream is the edge's detection CPU per 15 fps camera on
// realistic sub-streams (docs/BENCHMARKS.md, "Cameras per edge"), in the
// steady state of a camera that has been running: the default detector
// (auto) and the pixel tier, through the edge's own pipeline (package
// detect), play the clip once untimed (warm-up, and the gate learning the
// camera's grain), then loop it under the timer. Clips: a quiet daylight
// street, heavy grain at 530 kbit/s, the walk in H.264 and H.265, and the
// field clips' dusk grain (CRF 26) and CBR 800 kbit/s walk.
// QUALITY_BENCH_CLIPS adds clips (space-separated paths, .h265 for H.265),
// e.g. an H.265 encode of busy-640x360 made by scripts/bench-cameras.sh.
func BenchmarkStream(b *testing.B) {
	const sim = "../simcam/testdata/clips/"
	clips := []string{sim + "static-640x360.h264", sim + "busy-640x360.h264", sim + "walk-640x360.h264",
		sim + "walk-640x360.h265", "testdata/field/dusk-static-crf26.h264", "testdata/field/dusk-walk-cbr800.h264"}
	clips = append(clips, strings.Fields(os.Getenv("QUALITY_BENCH_CLIPS"))...)
	for _, tier := range []Tier{Auto, Pixel} {
		for _, path := range clips {
			name := strings.TrimSuffix(filepath.Base(path), ".h264")
			b.Run(string(tier)+"/"+name, func(b *testing.B) {
				c, err := detect.ReadClip(path, clipCodec(path), 15)
				if err != nil {
					b.Fatal(err)
				}
				m := configs.Motion{}
				if err := m.Validate(); err != nil {
					b.Fatal(err)
				}
				m.Detector = string(tier)
				cfg, _ := detect.FromMotion(m)
				p, err := detect.New(cfg, detect.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				p.Start(c.Codec, nil)
				at := c.Play(p, origin, 1, nil)
				var frames, decoded int
				count := func(_ time.Time, r *detect.Result) { decoded += r.Decoded }
				for b.Loop() {
					at = c.Play(p, at, 1, count)
					frames += len(c.Units)
				}
				nsPerAU := float64(b.Elapsed().Nanoseconds()) / float64(frames)
				b.ReportMetric(nsPerAU*15/1e9*100, "%core/stream")
				b.ReportMetric(float64(decoded)/float64(frames), "decoded/unit")
			})
		}
	}
}

package motion

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPixelObserve measures one detect-rate frame with a person-sized
// block walking through sensor noise, the common case on a live camera.
// ns/frame times 5 is the CPU share of one core per stream at 5 fps.
func BenchmarkPixelObserve(b *testing.B) {
	for _, size := range [][2]int{{320, 180}, {320, 240}} {
		w, h := size[0], size[1]
		b.Run(fmt.Sprintf("%dx%d", w, h), func(b *testing.B) {
			const n = 64
			scene := walker(w, h, w/16, h*28/100, h/2, 8, 0, 3)
			frames := make([][]byte, n)
			for i := range frames {
				frames[i] = make([]byte, w*h)
				scene(i%((w+w/16)/8), frames[i])
			}
			d, err := NewPixel(PixelConfig{Zones: []Polygon{{Name: "left", Points: []Point{{0, 0}, {0.5, 0}, {0.5, 1}, {0, 1}}}}})
			if err != nil {
				b.Fatal(err)
			}
			for i := range DefaultPixelWarmup {
				d.Observe(Frame{Width: w, Height: h, Gray: frames[i], Time: pxAt(i)})
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				d.Observe(Frame{Width: w, Height: h, Gray: frames[i%n], Time: pxAt(DefaultPixelWarmup + i)})
			}
			perFrame := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			b.ReportMetric(perFrame*5/1e9*100, "%core@5fps")
		})
	}
}

//go:build cgo

package decode

import (
	"testing"

	"github.com/camwatch/camwatch/simcam"
	"time"
)

// BenchmarkDecode decodes the 640x360, 15 fps walk clip to 320-wide gray
// frames, at every frame and at the 5 fps detect rate (non-reference
// frames skipped when not due), and at 5 fps with the loop filter that the
// decoder normally skips. ns/op is per camera frame; %core is one
// core's share for a 15 fps stream.
func BenchmarkDecode(b *testing.B) {
	aus := clipAUs(b, "walk-640x360", H264, 15)
	for _, bc := range []struct {
		name    string
		fps     float64
		deblock bool
	}{{"every frame", 15, false}, {"5fps", 5, false}, {"5fps deblocked", 5, true}} {
		b.Run(bc.name, func(b *testing.B) {
			d, err := New(Config{FPS: bc.fps, deblock: bc.deblock})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			b.ReportAllocs()
			start := time.Now()
			i := 0
			for b.Loop() {
				k := i % len(aus)
				if k == 0 {
					d.Reset()
				}
				if _, _, err := d.Decode(aus[k], at(i, 15)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			per := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			b.ReportMetric(per*15/1e9*100, "%core@15fps")
		})
	}
}

// BenchmarkDecodeCodecs decodes the same 640x360 walk in H.264 and H.265
// (simcam's committed clips, 15 fps, 20 s) at the edge's 5 fps detect rate
// to 320-wide gray frames; ns/op is per camera frame. Run beside
// `ffmpeg -c:v hevc -i walk-640x360.h265 -f null -` (scripts in
// docs/BENCHMARKS.md, "H.265").
func BenchmarkDecodeCodecs(b *testing.B) {
	for _, bc := range []struct {
		name  string
		clip  string
		codec Codec
	}{{"h264", "walk-640x360", H264}, {"h265", "walk-640x360-h265", H265}} {
		b.Run(bc.name, func(b *testing.B) {
			data, err := simcam.ClipData(bc.clip)
			if err != nil {
				b.Fatal(err)
			}
			aus := SplitAccessUnits(data, bc.codec)
			d, err := New(Config{Codec: bc.codec, FPS: 5})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			start := time.Now()
			i := 0
			for b.Loop() {
				k := i % len(aus)
				if k == 0 {
					d.Reset()
				}
				if _, _, err := d.Decode(aus[k], at(i, 15)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			per := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			b.ReportMetric(per*15/1e9*100, "%core@15fps")
		})
	}
}

package detect

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/event"
)

// BenchmarkSnapshot is what one event snapshot costs (docs/BENCHMARKS.md,
// "Snapshots"): the latest decoded picture converted to colour at the
// stream's width (640x360) and JPEG-encoded, and the console's 320 px
// thumbnail, under the event's size limit; bytes per snapshot reported.
func BenchmarkSnapshot(b *testing.B) {
	for _, tc := range []struct {
		name  string
		thumb bool
	}{{"colour-640x360", false}, {"thumbnail-320", true}} {
		b.Run(tc.name, func(b *testing.B) {
			p, err := New(defaults(b, Pixel), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			c, err := ReadClip(simClips+"walk-640x360.h264", decode.H264, 15)
			if err != nil {
				b.Fatal(err)
			}
			c.Units = c.Units[:15*8] // the walker is in the picture at 8 s
			p.Start(c.Codec, nil)
			c.Play(p, time.Unix(0, 0), 1, nil)
			var size int
			for b.Loop() {
				var jpg []byte
				if tc.thumb {
					jpg, err = p.Thumbnail(event.MaxSnapshot)
				} else {
					jpg, err = p.Snapshot(event.MaxSnapshot)
				}
				if err != nil {
					b.Fatal(err)
				}
				size = len(jpg)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

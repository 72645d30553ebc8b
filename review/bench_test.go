package review

import (
	"io"
	"testing"
	"time"

	"github.com/camwatch/camwatch/uptime"
)

// BenchmarkReviewQuarter500 computes and renders the review of a ward of
// 500 cameras (10 programs, 3 outages a week each, agents lost monthly)
// over a quarter, with the previous quarter for the trend: what
// GET /api/v1/review does after reading the history.
//
//	go test ./review -run '^$' -bench ReviewQuarter500 -benchtime 5x
func BenchmarkReviewQuarter500(b *testing.B) {
	p, _ := ParsePeriod("2026-Q3", hcm)
	h := uptime.Synthesize(uptime.GenerateOptions{Cameras: 500, Programs: 10, Days: 184, End: p.To, Seed: 7})
	for i := range h.Cameras {
		h.Cameras[i].Labels.Ward = "bn"
	}
	var motion []MotionStart
	for i := range 50000 { // about one motion start per camera per two hours
		motion = append(motion, MotionStart{Camera: h.Cameras[i%500].ID, At: p.From.Add(time.Duration(i) * 150 * time.Second)})
	}
	in := Input{Ward: "bn", Period: p, History: h, Motion: motion, Names: dir, DefaultTarget: 99, Location: hcm, Now: p.To.Add(time.Hour)}
	b.ResetTimer()
	for b.Loop() {
		rv, err := Compute(in)
		if err != nil {
			b.Fatal(err)
		}
		if len(rv.Programs) != 10 {
			b.Fatalf("%d programs", len(rv.Programs))
		}
		if err := Render(io.Discard, rv, dir, "vi"); err != nil {
			b.Fatal(err)
		}
	}
}

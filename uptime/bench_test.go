package uptime

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

// cityHistory makes n cameras in 50 programs over the given days, each with
// about three outages a week (a few minutes to a few hours long), a
// degraded spell now and then, one lost agent per 100 cameras for an hour
// a week, and one program-wide maintenance window per program.
func cityHistory(n, days int, from time.Time) *History {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	hist := &History{AgentLost: map[string][]Span{}}
	span := time.Duration(days) * 24 * time.Hour
	for a := range n / 100 {
		agent := fmt.Sprintf("agent-%03d", a)
		for w := range days / 7 {
			f := from.Add(time.Duration(w)*7*24*time.Hour + time.Duration(rng.Int64N(int64(6*24*time.Hour))))
			hist.AgentLost[agent] = append(hist.AgentLost[agent], Span{f, f.Add(time.Hour)})
		}
	}
	for p := range 50 {
		f := from.Add(time.Duration(rng.Int64N(int64(span - 4*time.Hour))))
		hist.Maintenance = append(hist.Maintenance, MaintenanceWindow{Program: fmt.Sprintf("program-%02d", p), Span: Span{f, f.Add(4 * time.Hour)}})
	}
	hist.Cameras = make([]Camera, n)
	for i := range hist.Cameras {
		c := &hist.Cameras[i]
		c.ID = fmt.Sprintf("cam-%05d", i)
		c.Agent = fmt.Sprintf("agent-%03d", i/100)
		c.Labels = event.Labels{Program: fmt.Sprintf("program-%02d", i%50), Ward: fmt.Sprintf("ward-%d", i%10), Vendor: "v", Model: "m"}
		seq := uint64(1)
		add := func(t time.Time, s State, reason string) {
			c.Transitions = append(c.Transitions, Transition{Time: t, Seq: seq, State: s, Reason: reason})
			seq++
		}
		add(from.Add(-time.Hour), Online, "")
		outages := days * 3 / 7
		gap := span / time.Duration(outages+1)
		for k := range outages {
			start := from.Add(time.Duration(k)*gap + time.Duration(rng.Int64N(int64(gap/2))))
			st, reason := Offline, "timeout"
			if rng.IntN(10) == 0 {
				st, reason = Degraded, "frozen"
			}
			add(start, st, reason)
			add(start.Add(time.Duration(2+rng.IntN(180))*time.Minute), Online, "")
		}
	}
	return hist
}

// BenchmarkReport is the pure compute cost of the 30-day program report
// over 10,000 cameras (Redis reads come on top).
func BenchmarkReport(b *testing.B) {
	from := at(0, 0)
	hist := cityHistory(10000, 30, from)
	opts := Options{Window: Span{from, from.Add(30 * 24 * time.Hour)}, GroupBy: GroupProgram, Location: ict, DefaultTarget: 99}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(hist, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportOneCamera is the per-camera report's compute cost.
func BenchmarkReportOneCamera(b *testing.B) {
	from := at(0, 0)
	hist := cityHistory(100, 30, from)
	hist.Cameras = hist.Cameras[:1]
	opts := Options{Window: Span{from, from.Add(30 * 24 * time.Hour)}, GroupBy: GroupCamera, Location: ict}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(hist, opts); err != nil {
			b.Fatal(err)
		}
	}
}

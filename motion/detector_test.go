package motion

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// segment is a stretch of synthetic stream: P-frames of about mean bytes
// with uniform jitter of +-jitter, an I-frame of iframe bytes every gop
// frames.
type segment struct {
	dur    time.Duration
	mean   int
	jitter int
}

const fps = 15

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

type seen struct {
	kind Kind
	at   time.Duration // of the transition's At, from t0
	// started is the interval's start, from t0
	started time.Duration
}

// feed runs segs through d at 15 fps with a keyframe every 30 frames and
// returns the transitions, timed from t0.
func feed(t *testing.T, d *Detector, segs []segment, iframe int) []seen {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var out []seen
	n := 0
	for _, s := range segs {
		frames := int(s.dur * fps / time.Second)
		for range frames {
			at := t0.Add(time.Duration(n) * time.Second / fps)
			key := n%30 == 0
			size := s.mean
			if s.jitter > 0 {
				size += rng.IntN(2*s.jitter+1) - s.jitter
			}
			if key {
				size = iframe
			}
			n++
			if tr, ok := d.Observe(at, size, key); ok {
				out = append(out, seen{tr.Kind, tr.At.Sub(t0), tr.Started.Sub(t0)})
			}
		}
	}
	return out
}

func TestDetectorSequences(t *testing.T) {
	quiet := func(d time.Duration) segment { return segment{d, 1000, 150} }
	cases := []struct {
		name   string
		cfg    Config
		segs   []segment
		iframe int
		want   []seen
	}{
		{
			name: "noise alone never triggers",
			segs: []segment{quiet(60 * time.Second)},
		},
		{
			name:   "huge keyframes never trigger",
			segs:   []segment{quiet(30 * time.Second)},
			iframe: 40000,
		},
		{
			name: "sustained rise opens after min duration and closes after post roll",
			segs: []segment{quiet(10 * time.Second), {4 * time.Second, 1600, 150}, quiet(10 * time.Second)},
			want: []seen{
				{kind: Start, at: 10 * time.Second, started: 10 * time.Second},
				{kind: End, at: 14 * time.Second, started: 10 * time.Second},
			},
		},
		{
			name: "a frozen picture coming back to life is not motion",
			segs: []segment{quiet(10 * time.Second), {8 * time.Second, 60, 5}, quiet(10 * time.Second)},
		},
		{
			name: "burst shorter than min duration is ignored",
			segs: []segment{quiet(10 * time.Second), {200 * time.Millisecond, 3000, 100}, quiet(10 * time.Second)},
		},
		{
			name: "pause shorter than post roll keeps one interval",
			segs: []segment{
				quiet(10 * time.Second), {2 * time.Second, 1800, 100}, quiet(time.Second),
				{2 * time.Second, 1800, 100}, quiet(10 * time.Second),
			},
			want: []seen{
				{kind: Start, at: 10 * time.Second, started: 10 * time.Second},
				{kind: End, at: 15 * time.Second, started: 10 * time.Second},
			},
		},
		{
			name: "pause longer than post roll makes two intervals",
			segs: []segment{
				quiet(10 * time.Second), {2 * time.Second, 1800, 100}, quiet(5 * time.Second),
				{2 * time.Second, 1800, 100}, quiet(10 * time.Second),
			},
			want: []seen{
				{kind: Start, at: 10 * time.Second, started: 10 * time.Second},
				{kind: End, at: 12 * time.Second, started: 10 * time.Second},
				{kind: Start, at: 17 * time.Second, started: 17 * time.Second},
				{kind: End, at: 19 * time.Second, started: 17 * time.Second},
			},
		},
		{
			name: "motion during warmup is not reported",
			segs: []segment{{time.Second, 1000, 150}, {time.Second, 2000, 100}, quiet(10 * time.Second)},
		},
		{
			name: "low sensitivity ignores a modest rise",
			cfg:  Config{Sensitivity: 1},
			segs: []segment{quiet(10 * time.Second), {4 * time.Second, 1350, 150}, quiet(10 * time.Second)},
		},
		{
			name: "high sensitivity catches the same modest rise",
			cfg:  Config{Sensitivity: 10},
			segs: []segment{quiet(10 * time.Second), {4 * time.Second, 1350, 150}, quiet(10 * time.Second)},
			want: []seen{
				{kind: Start, at: 10 * time.Second, started: 10 * time.Second},
				{kind: End, at: 14 * time.Second, started: 10 * time.Second},
			},
		},
		{
			name: "a lasting change of scene is eventually absorbed",
			segs: []segment{quiet(10 * time.Second), {90 * time.Second, 2000, 150}},
			want: []seen{
				{kind: Start, at: 10 * time.Second, started: 10 * time.Second},
				{kind: End, at: -1, started: 10 * time.Second}, // at: whenever it settles
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			iframe := tc.iframe
			if iframe == 0 {
				iframe = 9000
			}
			got := feed(t, d, tc.segs, iframe)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d transitions %+v, want %d %+v", len(got), got, len(tc.want), tc.want)
			}
			// Smoothing and the keyframes' gaps blur edges by a few frames.
			const slack = 500 * time.Millisecond
			near := func(a, b time.Duration) bool { return a-b < slack && b-a < slack }
			for i, w := range tc.want {
				g := got[i]
				if g.kind != w.kind || !near(g.started, w.started) || (w.at >= 0 && !near(g.at, w.at)) {
					t.Errorf("transition %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestDetectorScoreAndState(t *testing.T) {
	d, err := New(Config{MinDuration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, d, []segment{{10 * time.Second, 1000, 100}}, 8000)
	if s := d.Score(); s > 2 || s < -2 {
		t.Errorf("score on a quiet stream = %.2f, want near 0", s)
	}
	feed(t, d, []segment{{2 * time.Second, 3000, 100}}, 8000)
	if !d.Active() {
		t.Fatalf("not active after 2s of tripled frames (score %.2f, threshold %.2f)", d.Score(), d.Threshold())
	}
	if d.Score() < d.Threshold() {
		t.Errorf("active with score %.2f under threshold %.2f", d.Score(), d.Threshold())
	}
	tr, ok := d.Stop()
	if !ok || tr.Kind != End || tr.Score < d.Threshold() || tr.Duration() <= 0 {
		t.Errorf("Stop = %+v, %v; want an End with a peak score and a duration", tr, ok)
	}
	if d.Active() {
		t.Error("still active after Stop")
	}
	if _, ok := d.Stop(); ok {
		t.Error("second Stop reported a transition")
	}
}

func TestDetectorBadInput(t *testing.T) {
	cases := []struct {
		name string
		feed func(d *Detector) []Transition
	}{
		{"zero and negative sizes are ignored", func(d *Detector) []Transition {
			var out []Transition
			for i := range 200 {
				size := 1000
				if i > 100 {
					size = -5 + i%2*5 // 0 or -5
				}
				if tr, ok := d.Observe(t0.Add(time.Duration(i)*time.Second/fps), size, false); ok {
					out = append(out, tr)
				}
			}
			return out
		}},
		{"time going backwards does not open an interval", func(d *Detector) []Transition {
			var out []Transition
			for i := range 400 {
				at := t0.Add(time.Duration(i%37) * time.Second) // saw-tooth clock
				if tr, ok := d.Observe(at, 1000+i%7, false); ok {
					out = append(out, tr)
				}
			}
			return out
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.feed(d); len(got) != 0 {
				t.Errorf("got transitions %+v, want none", got)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"sensitivity too high", Config{Sensitivity: 11}},
		{"sensitivity negative", Config{Sensitivity: -1}},
		{"negative post roll", Config{PostRoll: -time.Second}},
		{"tiny window", Config{Window: 4}},
		{"warmup beyond window", Config{Window: 20, Warmup: 21}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("New(%+v) error = %v, want ErrConfig", tc.cfg, err)
			}
		})
	}
}

func TestThresholdFallsWithSensitivity(t *testing.T) {
	for s := 1; s < 10; s++ {
		if Threshold(s+1) >= Threshold(s) {
			t.Errorf("Threshold(%d)=%.2f not below Threshold(%d)=%.2f", s+1, Threshold(s+1), s, Threshold(s))
		}
	}
	if Threshold(0) != Threshold(1) || Threshold(99) != Threshold(10) {
		t.Error("out-of-range sensitivities are not clamped")
	}
}

func BenchmarkObserve(b *testing.B) {
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := make([]int, 4096)
	for i := range sizes {
		sizes[i] = 900 + rng.IntN(300)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Observe(t0.Add(time.Duration(i)*time.Second/fps), sizes[i%len(sizes)], i%30 == 0)
	}
}

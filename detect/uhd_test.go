package detect

import (
	"bytes"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/decode"
)

// uhdClip encodes a 4 s 3840x2160 clip (a 4K main stream where a
// sub-stream was meant) with ffmpeg into a temporary directory; the test
// is skipped without ffmpeg or in -short mode (it costs seconds of CPU).
func uhdClip(tb testing.TB) Clip {
	tb.Helper()
	if testing.Short() {
		tb.Skip("encodes a 4K clip")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Skip("ffmpeg not installed")
	}
	path := filepath.Join(tb.TempDir(), "uhd.h264")
	out, err := exec.Command("nice", "ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
		"-i", "testsrc2=s=3840x2160:r=15:d=4", "-an", "-c:v", "libx264", "-preset", "ultrafast",
		"-crf", "32", "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "0",
		"-x264-params", "sliced-threads=0:aud=1:repeat-headers=1", "-f", "h264", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := NewClip(data, decode.H264, 15, path)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestUHDStreamBounded: a 4K stream on a camera with the shipped settings
// (auto, detection at 320 px) costs its keyframes only, whichever tier:
// the status says why (health shows it), at most one access unit beyond
// the keyframes is decoded (the one that showed the size), and the
// snapshot stays at DefaultSnapshotWidth.
func TestUHDStreamBounded(t *testing.T) {
	clip := uhdClip(t)
	keys := 0
	for _, u := range clip.Units {
		if decode.Keyframe(u, clip.Codec) {
			keys++
		}
	}
	for _, kind := range []Kind{Auto, Pixel, Gate} {
		t.Run(string(kind), func(t *testing.T) {
			p, err := New(defaults(t, kind), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			p.Start(clip.Codec, nil)
			decoded := 0
			clip.Play(p, time.Unix(0, 0), 2, func(_ time.Time, r *Result) { decoded += r.Decoded })
			if st := p.Status(); !strings.Contains(st.KeyframesOnly, "3840x2160 stream: detecting on keyframes only") {
				t.Errorf("status %+v does not say so", st)
			}
			if decoded > 2*keys+1 {
				t.Errorf("decoded %d of %d access units, want at most the %d keyframes (+1)", decoded, 2*len(clip.Units), 2*keys)
			}
			b, err := p.Snapshot(0)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width != DefaultSnapshotWidth {
				t.Errorf("snapshot %dx%d (%v), want %d wide", cfg.Width, cfg.Height, err, DefaultSnapshotWidth)
			}
			t.Logf("%s: decoded %d of %d access units; snapshot %d KiB", kind, decoded, 2*len(clip.Units), len(b)>>10)
		})
	}
}

// BenchmarkUHDStream is what a 4K stream costs a camera with the shipped
// settings: its keyframes decoded (2 s apart), per 15 fps stream.
func BenchmarkUHDStream(b *testing.B) {
	clip := uhdClip(b)
	m := defaults(b, Auto)
	frames := 0
	for b.Loop() {
		p, err := New(m, Options{})
		if err != nil {
			b.Fatal(err)
		}
		p.Start(clip.Codec, nil)
		clip.Play(p, time.Unix(0, 0), 1, nil)
		p.Close()
		frames += len(clip.Units)
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(frames)
	b.ReportMetric(ns*15/1e9*100, "%core/stream")
}

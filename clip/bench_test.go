package clip

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRecorder measures one camera's cost of event clips on a
// 640x360 15 fps H.264 stream (busy-640x360, about 530 kb/s): per frame
// with only the pre-roll ring kept ("ring"), and while a clip is written
// ("writing": ring + MP4 muxing + the disk write), as CPU time per frame
// and the percent of one core at 15 fps, and the ring's bytes. The peer
// in the same run is ffmpeg muxing the same frames to MP4 without
// re-encoding (-c copy), per frame.
//
//	go test ./clip -run '^$' -bench Recorder -benchtime 3000x
func BenchmarkRecorder(b *testing.B) {
	s := loadStream(b, "busy-640x360.h264", H264)
	for _, mode := range []string{"ring", "writing"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			r := NewRecorder(Options{Dir: dir, MaxLength: 10 * time.Minute})
			r.SetParams(H264, s.params)
			t0 := time.Now()
			for i := range 6 * fps { // a full pre-roll first
				r.Frame(s.frame(i, t0))
			}
			if mode == "writing" {
				if err := r.MotionStart("bench"); err != nil {
					b.Fatal(err)
				}
			}
			var ms runtime.MemStats
			c0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := r.Frame(s.frame(6*fps+i, t0)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// CPU time, not wall time: the disk writes wait on a shared
			// disk, which costs no core.
			perFrame := float64((cpuTime() - c0).Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "wallµs/frame")
			b.ReportMetric(perFrame/1e3, "µs/frame")
			b.ReportMetric(perFrame*fps/1e9*100, "%core@15fps")
			b.ReportMetric(float64(r.RingBytes())/1024, "ringKiB")
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heapMiB")
			r.Close()
		})
	}
	b.Run("ffmpeg-copy-peer", func(b *testing.B) {
		if _, err := exec.LookPath("ffmpeg"); err != nil {
			b.Skip("no ffmpeg")
		}
		in := filepath.Join("..", "simcam", "testdata", "clips", "busy-640x360.h264")
		out := filepath.Join(b.TempDir(), "peer.mp4")
		frames := len(s.aus)
		b.ResetTimer()
		var cpu time.Duration
		for i := 0; i < b.N; i += frames {
			cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-r", "15", "-i", in, "-c", "copy", out)
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		b.StopTimer()
		runs := (b.N + frames - 1) / frames
		perFrame := float64(cpu.Nanoseconds()) / float64(runs*frames)
		b.ReportMetric(perFrame/1e3, "µs/frame")
		b.ReportMetric(perFrame*fps/1e9*100, "%core@15fps")
		os.Remove(out)
	})
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

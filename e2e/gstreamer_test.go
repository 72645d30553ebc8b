package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/ingest"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// gstServer is GStreamer's gst-rtsp-server (scripts/gst-rtsp-server.py),
// a third-party RTSP camera: its RTP packetisers, SDP and timing are not
// camwatch's own.
type gstServer struct {
	cmd  *exec.Cmd
	port int
	out  *testenv.LogBuffer
}

// startGStreamer serves each MOUNT=FILE and waits for the server's
// "ready PORT" line.
func startGStreamer(t *testing.T, mounts ...string) *gstServer {
	t.Helper()
	g := &gstServer{out: &testenv.LogBuffer{}}
	g.cmd = exec.Command("/usr/bin/python3", append([]string{"../scripts/gst-rtsp-server.py", "--port", "0"}, mounts...)...)
	g.cmd.Stderr = g.out
	stdout, err := g.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatalf("start gst-rtsp-server (scripts/services.sh installs it): %v", err)
	}
	t.Cleanup(func() {
		g.cmd.Process.Signal(syscall.SIGCONT)
		g.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			g.cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var p int
			if _, err := fmt.Sscanf(sc.Text(), "ready %d", &p); err == nil {
				ready <- p
			}
		}
	}()
	select {
	case g.port = <-ready:
	case <-time.After(15 * time.Second):
		t.Fatalf("gst-rtsp-server did not start: %s", g.out.String())
	}
	return g
}

func (g *gstServer) url(mount string) string {
	return fmt.Sprintf("rtsp://127.0.0.1:%d/%s", g.port, mount)
}

// muxMP4 wraps a committed raw clip in MP4, which GStreamer serves paced
// by the MP4's timestamps.
func muxMP4(t *testing.T, clip string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(clip), filepath.Ext(clip))+strings.ReplaceAll(filepath.Ext(clip), ".", "-")+".mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-r", "15", "-i", clip, "-c", "copy", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mux %s: %v: %s", clip, err, b)
	}
	return out
}

// eventLog collects the events of the agent's subjects as JetStream
// receives them.
type eventLog struct {
	mu  sync.Mutex
	evs []event.Event
}

func (l *eventLog) add(m *nats.Msg) {
	var ev event.Event
	if json.Unmarshal(m.Data, &ev) != nil {
		return
	}
	l.mu.Lock()
	l.evs = append(l.evs, ev)
	l.mu.Unlock()
}

// find returns the first event of camera after from that ok accepts.
func (l *eventLog) find(camera string, from time.Time, what string, ok func(*event.Event) bool) (*event.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var seen []string
	for i := range l.evs {
		ev := &l.evs[i]
		if ev.Camera != camera || ev.Time.Before(from) {
			continue
		}
		if ok(ev) {
			cp := *ev
			return &cp, nil
		}
		if ev.Health != nil {
			seen = append(seen, fmt.Sprintf("%s %s/%s fps %.1f", ev.Kind, ev.Health.Status, ev.Health.Reason, ev.Health.FPS))
		} else {
			seen = append(seen, string(ev.Kind))
		}
	}
	if len(seen) > 8 {
		seen = seen[len(seen)-8:]
	}
	return nil, fmt.Errorf("%s: no %s yet (last: %s)", camera, what, strings.Join(seen, "; "))
}

func (l *eventLog) await(t *testing.T, within time.Duration, camera string, from time.Time, what string, ok func(*event.Event) bool) *event.Event {
	t.Helper()
	var found *event.Event
	testenv.Eventually(t, within, func() error {
		ev, err := l.find(camera, from, what, ok)
		found = ev
		return err
	})
	return found
}

// TestGStreamerCameras runs the edge binary against GStreamer's RTSP server
// serving the walk clip in H.264 and in H.265: both cameras come online
// with their codec and size, deliver 15 fps, the pixel tier finds the
// walker, and a stalled server (SIGSTOP) is reported offline (stalled)
// within 3 s of its last frame, then online again after SIGCONT.
func TestGStreamerCameras(t *testing.T) {
	h264 := muxMP4(t, "../simcam/testdata/clips/walk-640x360.h264")
	h265 := muxMP4(t, "../simcam/testdata/clips/walk-640x360.h265")
	gst := startGStreamer(t, "walk264="+h264, "walk265="+h265)

	agent := natsauth.Agent{Site: "e2e", Agent: agentID}
	nenv := testenv.NATSAuth(t, agent)
	var log eventLog
	nc := nenv.Connect(t, nenv.Aggregator(), "")
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := ingest.EnsureStreams(context.Background(), js, ingest.StreamOptions{Name: "CAMWATCH_GST_E2E", MaxAge: time.Hour, Duplicates: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Subscribe(event.AllEventsSubjects, log.add); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := writeFile(t, dir, "edge.yaml", fmt.Sprintf(`site: e2e
agent: %s
nats: {url: %q, creds_file: %q}
spool_dir: %q
timing: {heartbeat_interval: 1s, stats_interval: 1s, stall_timeout: 2s, dial_timeout: 2s, read_timeout: 2s, backoff: [200ms, 500ms, 1s]}
defaults:
  motion: {detector: pixel}
cameras:
  - {id: gst-h264, url: %q}
  - {id: gst-h265, url: %q}
`, agentID, nenv.URL, nenv.Auth.AgentCreds["e2e/"+agentID], filepath.Join(dir, "spool"), gst.url("walk264"), gst.url("walk265")))
	begin := time.Now()
	edge := start(t, "edge", nil, "edge", "-config", cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("edge log:\n%s\ngst-rtsp-server log:\n%s", tail(edge.out.String(), 4000), tail(gst.out.String(), 2000))
		}
	})

	for _, cam := range []struct{ id, codec string }{{"gst-h264", "h264"}, {"gst-h265", "h265"}} {
		on := log.await(t, 20*time.Second, cam.id, begin, "health online", func(ev *event.Event) bool {
			return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline
		})
		if on.Health.Codec != cam.codec || on.Health.Width != 640 || on.Health.Height != 360 {
			t.Errorf("%s: online as %s %dx%d, want %s 640x360", cam.id, on.Health.Codec, on.Health.Width, on.Health.Height, cam.codec)
		}
		st := log.await(t, 15*time.Second, cam.id, on.Time.Add(3*time.Second), "stats at 15 fps", func(ev *event.Event) bool {
			return ev.Kind == event.KindStats && ev.Health.Status == event.StatusOnline && ev.Health.WindowS >= 2
		})
		if st.Health.FPS < 12 || st.Health.FPS > 18 || st.Health.Frames == 0 {
			t.Errorf("%s: stats fps %.1f frames %d, want 15 fps", cam.id, st.Health.FPS, st.Health.Frames)
		}
		// The clip loops every 20 s with the walker from 6 s to 12 s.
		mv := log.await(t, 45*time.Second, cam.id, begin, "motion.start", func(ev *event.Event) bool {
			return ev.Kind == event.KindMotionStart
		})
		if mv.Motion.Detector != "pixel" {
			t.Errorf("%s: motion from detector %q, want pixel", cam.id, mv.Motion.Detector)
		}
		t.Logf("%s: online %s %dx%d, %.1f fps, motion.start %.1fs after the edge started",
			cam.id, on.Health.Codec, on.Health.Width, on.Health.Height, st.Health.FPS, mv.Time.Sub(begin).Seconds())
	}

	// Stall: the server process stops answering; the sockets stay open.
	stopped := time.Now()
	if err := gst.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gst-h264", "gst-h265"} {
		off := log.await(t, 10*time.Second, id, stopped, "offline (stalled)", func(ev *event.Event) bool {
			return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOffline
		})
		// The frame sent just before SIGSTOP is the last one; the event's
		// own time says when the edge judged the camera stalled.
		if off.Health.Reason != event.ReasonStalled {
			t.Errorf("%s: offline reason %q, want stalled", id, off.Health.Reason)
		}
		if d := off.Time.Sub(stopped); d > 3*time.Second {
			t.Errorf("%s: offline %.1fs after SIGSTOP, want within 3 s", id, d.Seconds())
		}
		t.Logf("%s: offline (%s) %.2fs after SIGSTOP", id, off.Health.Reason, off.Time.Sub(stopped).Seconds())
	}
	resumed := time.Now()
	if err := gst.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gst-h264", "gst-h265"} {
		on := log.await(t, 20*time.Second, id, resumed, "online after SIGCONT", func(ev *event.Event) bool {
			return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline
		})
		t.Logf("%s: online again %.2fs after SIGCONT", id, on.Time.Sub(resumed).Seconds())
	}
	if n := strings.Count(edge.out.String(), "pixel decoder refused input"); n > 0 {
		t.Errorf("the decoder refused input on %d occasions:\n%s", n, tail(edge.out.String(), 3000))
	}
	if _, err := os.Stat(h265); err != nil {
		t.Fatal(err)
	}
}

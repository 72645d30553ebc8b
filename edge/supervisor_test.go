package edge

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
)

const (
	simUser = "camwatch"
	simPass = "s3cret-Pa55-7f3a" // planted: must never leave the agent
)

// TestSupervisorDialFailures covers the ways a camera refuses to stream:
// each must yield its offline reason, no panic and no goroutine left over.
// It is not parallel so that the leak check sees only its own goroutines.
func TestSupervisorDialFailures(t *testing.T) {
	sim := startSim(t, simcam.Options{Username: simUser, Password: simPass,
		Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	camURL := sim.URL("c1")
	basic := startSim(t, simcam.Options{Username: simUser, Password: simPass, AuthMethod: "basic",
		Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	cases := []struct {
		name    string
		cam     Camera
		reasons []event.Reason // any of
	}{
		{"wrong password", Camera{ID: "c1", URL: camURL, Username: simUser, Password: configs.NewSecret("wrong-" + simPass)},
			[]event.Reason{event.ReasonAuthFailed}},
		{"wrong password, basic auth", Camera{ID: "c1", URL: basic.URL("c1"), Username: simUser, Password: configs.NewSecret("wrong-" + simPass)},
			[]event.Reason{event.ReasonAuthFailed}},
		{"no credentials", Camera{ID: "c1", URL: camURL},
			[]event.Reason{event.ReasonAuthFailed}},
		{"unknown path", Camera{ID: "c1", URL: strings.TrimSuffix(camURL, "/c1") + "/nope", Username: simUser, Password: configs.NewSecret(simPass)},
			[]event.Reason{event.ReasonNotFound}},
		{"nobody listening", Camera{ID: "c1", URL: "rtsp://" + closedPort(t) + "/c1"},
			[]event.Reason{event.ReasonRefused}},
		{"garbage then close", Camera{ID: "c1", URL: "rtsp://" + fakeServer(t, func(c net.Conn) {
			c.Write([]byte("\x00\xffHTTP/1.1 418 teapot\r\n\x13\x37garbage\r\nmore"))
		}) + "/c1"}, []event.Reason{event.ReasonClosed, event.ReasonProtocol}},
		{"binary junk forever", Camera{ID: "c1", URL: "rtsp://" + fakeServer(t, func(c net.Conn) {
			junk := []byte(strings.Repeat("\x24\x00\xff\xff\x80", 1000))
			for range 20 {
				if _, err := c.Write(junk); err != nil {
					return
				}
			}
		}) + "/c1"}, []event.Reason{event.ReasonClosed, event.ReasonProtocol, event.ReasonTimeout}},
		{"ok without a session description", Camera{ID: "c1", URL: "rtsp://" + fakeServer(t, func(c net.Conn) {
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
				c.Write([]byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"))
			}
		}) + "/c1"}, []event.Reason{event.ReasonCodecMissing}},
		{"silent server", Camera{ID: "c1", URL: "rtsp://" + fakeServer(t, func(c net.Conn) {
			io.Copy(io.Discard, c)
		}) + "/c1"}, []event.Reason{event.ReasonTimeout}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			timing := testTiming()
			timing.ReadTimeout = 500 * time.Millisecond
			r := startSupervisor(t, tc.cam, timing, nil)
			ev := r.sink.await(t, 10*time.Second, "offline health", health(event.KindHealth, event.StatusOffline, ""))
			ok := false
			for _, want := range tc.reasons {
				ok = ok || ev.Health.Reason == want
			}
			if !ok {
				t.Errorf("reason %q (%q), want one of %v", ev.Health.Reason, ev.Health.Detail, tc.reasons)
			}
			// It keeps trying (redials a camera that answers, probes one
			// that does not), and never claims to be online.
			testenv.Eventually(t, 5*time.Second, func() error {
				redials := metricValue(t, r.sup.cm.reconnects)
				probes := metricValue(t, r.sup.cm.probes.failed) + metricValue(t, r.sup.cm.probes.answered)
				if redials+probes < 1 {
					return errString("no redial or probe yet")
				}
				return nil
			})
			if _, err := r.sink.find("online", health(event.KindHealth, event.StatusOnline, "")); err == nil {
				t.Error("went online")
			}
			if strings.Contains(eventsJSON(t, r.sink.all()), simPass) {
				t.Error("an event carries the password")
			}
			r.stop()
			testenv.Eventually(t, 10*time.Second, leftovers)
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestSupervisorStreams checks the figures measured from a healthy
// stream, and that the password given in the URL appears in no log line
// and no event.
func TestSupervisorStreams(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Username: simUser, Password: simPass,
		Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}, {ID: "c2", Clip: "static-640x360"}}})
	cases := []struct {
		name          string
		id            string
		width, height int
	}{
		{"320x240", "c1", 320, 240},
		{"640x360", "c2", 640, 360},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			// The password is planted in the URL itself.
			u := strings.Replace(sim.URL(tc.id), "rtsp://", "rtsp://"+simUser+":"+simPass+"@", 1)
			r := startSupervisor(t, Camera{ID: tc.id, URL: u, Labels: event.Labels{Ward: "ben-nghe"}}, testTiming(), logs.logger())
			on := r.sink.await(t, 10*time.Second, "online", health(event.KindHealth, event.StatusOnline, ""))
			if on.Health.Codec != "h264" || on.Health.Width != tc.width || on.Health.Height != tc.height {
				t.Errorf("online with codec %q %dx%d, want h264 %dx%d", on.Health.Codec, on.Health.Width, on.Health.Height, tc.width, tc.height)
			}
			if on.Labels.Ward != "ben-nghe" || on.Site != "test-site" || on.Agent != "test-agent" || on.Camera != tc.id || on.Schema != event.SchemaVersion {
				t.Errorf("envelope not filled: %+v", on)
			}
			st := r.sink.await(t, 10*time.Second, "stats with a keyframe interval", func(ev *event.Event) bool {
				return ev.Kind == event.KindStats && ev.Health.Status == event.StatusOnline && ev.Health.KeyframeIntervalS > 0 && ev.Health.WindowS >= 2
			})
			h := st.Health
			if h.FPS < 13 || h.FPS > 17 {
				t.Errorf("fps %.2f, want about 15", h.FPS)
			}
			if h.KeyframeIntervalS < 1.7 || h.KeyframeIntervalS > 2.3 {
				t.Errorf("keyframe interval %.2fs, want about 2", h.KeyframeIntervalS)
			}
			if h.BitrateKbps <= 0 || h.Frames == 0 || h.LastFrameAgeMS < 0 || h.LastFrameAgeMS > 1000 {
				t.Errorf("implausible stats %+v", h)
			}
			if n := metricValue(t, r.sup.cm.frames); n < 15 {
				t.Errorf("frames metric %.0f", n)
			}
			if g := metricValue(t, r.sup.cm.online); g != 1 {
				t.Errorf("online gauge %v", g)
			}
			r.stop()
			if out := logs.String() + eventsJSON(t, r.sink.all()); strings.Contains(out, simPass) {
				t.Errorf("password leaked:\n%s", out)
			}
			if !strings.Contains(logs.String(), "camera online") {
				t.Errorf("the logs say nothing useful:\n%s", logs.String())
			}
		})
	}
}

// TestSupervisorMotion plays the walk clip and the static one from their
// start (simcam starts every clip at 0): the walk yields one motion.start
// inside the ground truth interval and its motion.end, the static clip
// none. The 320x240 clips are used: they loop without a seam artefact.
func TestSupervisorMotion(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "walk", Clip: "walk-320x240"}, {ID: "still", Clip: "static-320x240"}}})
	truth, _ := simcam.LookupClip("walk-320x240")
	if len(truth.Motion) != 1 {
		t.Fatalf("walk clip ground truth %v", truth.Motion)
	}
	cfg := &detect.Config{Kind: detect.Compressed, Compressed: motion.Config{Sensitivity: 5, MinDuration: 400 * time.Millisecond, PostRoll: 2 * time.Second}}
	walk := startSupervisor(t, Camera{ID: "walk", URL: sim.URL("walk"), Detect: cfg}, testTiming(), nil)
	still := startSupervisor(t, Camera{ID: "still", URL: sim.URL("still"), Detect: cfg}, testTiming(), nil)

	end := walk.sink.await(t, 25*time.Second, "motion.end", func(ev *event.Event) bool { return ev.Kind == event.KindMotionEnd })
	start, err := walk.sink.find("motion.start", func(ev *event.Event) bool { return ev.Kind == event.KindMotionStart })
	if err != nil {
		t.Fatal(err)
	}
	if start.Seq >= end.Seq || !start.Motion.Started.Equal(end.Motion.Started) {
		t.Errorf("start %+v and end %+v do not pair", start.Motion, end.Motion)
	}
	from := start.Motion.Started.Sub(begin).Seconds()
	to := from + end.Motion.DurationS
	// Allow the latency of connecting and of the detector's smoothing.
	if from < truth.Motion[0][0]-0.5 || from > truth.Motion[0][1] || to < truth.Motion[0][0] {
		t.Errorf("motion %.1fs..%.1fs after the clip started, truth %v", from, to, truth.Motion[0])
	}
	if start.Motion.Detector != "compressed" || start.Motion.Score <= 0 {
		t.Errorf("motion payload %+v", start.Motion)
	}
	for _, r := range []*running{walk, still} {
		r.stop()
	}
	if evs := still.sink.all(); len(evs) == 0 {
		t.Error("static camera emitted nothing")
	}
	for _, ev := range still.sink.all() {
		if ev.Motion != nil {
			t.Errorf("static clip produced %s at %.1fs", ev.Kind, ev.Time.Sub(begin).Seconds())
		}
	}
	if n := len(walk.sink.all()); n == 0 {
		t.Error("no events")
	}
}

// TestSupervisorFaults injects camera faults and checks how fast and with
// which reason the camera is reported offline, and that it comes back.
func TestSupervisorFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault simcam.FaultKind
		// first is the reason seen first, then is the one it settles on:
		// a camera switched off first drops the session, then refuses.
		first, then event.Reason
	}{
		{"offline", simcam.FaultOffline, event.ReasonClosed, event.ReasonRefused},
		{"stall", simcam.FaultStall, event.ReasonStalled, event.ReasonStalled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
			r := startSupervisor(t, Camera{ID: "c1", URL: sim.URL("c1")}, testTiming(), nil)
			r.sink.await(t, 10*time.Second, "online", health(event.KindHealth, event.StatusOnline, ""))
			faultAt := time.Now()
			if err := sim.Fault("c1", simcam.Fault{Kind: tc.fault, For: 4 * time.Second}); err != nil {
				t.Fatal(err)
			}
			off := r.sink.await(t, 5*time.Second, "offline", health(event.KindHealth, event.StatusOffline, ""))
			if off.Health.Reason != tc.first {
				t.Errorf("offline reason %q (%q), want %q", off.Health.Reason, off.Health.Detail, tc.first)
			}
			settled := r.sink.await(t, 5*time.Second, "offline "+string(tc.then), health(event.KindHealth, event.StatusOffline, tc.then))
			if late := settled.Time.Sub(faultAt); late > 3*time.Second {
				t.Errorf("reason %s reported %s after the fault", tc.then, late)
			}
			// The last frame came just before the fault; the promise is
			// offline within 3 s of it.
			if late := off.Time.Sub(faultAt); late > 3*time.Second {
				t.Errorf("declared offline %s after the fault", late)
			}
			if age := off.Health.LastFrameAgeMS; age < 0 || age > 3000 {
				t.Errorf("last frame age %dms at the offline event", age)
			}
			// The outage starts when the camera failed (simcam's log), not
			// when the agent could tell: a stall at its last frame.
			if log, err := sim.StateLog("c1"); err != nil || len(log) < 2 {
				t.Errorf("state log %+v, %v", log, err)
			} else if d := off.Health.Since.Sub(log[1].At); d < -500*time.Millisecond || d > 500*time.Millisecond {
				t.Errorf("offline since %s from the fault (detected after %s)", d, off.Time.Sub(log[1].At))
			}
			r.sink.await(t, 10*time.Second, "back online", func(ev *event.Event) bool {
				return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline && ev.Seq > off.Seq
			})
			if n := metricValue(t, r.sup.cm.reconnects); n < 1 {
				t.Errorf("reconnects metric %.0f after coming back", n)
			}
		})
	}
}

// TestSupervisorStopsMidHandshake cancels while vdk's uncancellable Dial
// waits on a silent server with a long read timeout: Run must still
// return at once (startSupervisor's stop allows 1 s), and the abandoned
// dial must wind down by itself.
func TestSupervisorStopsMidHandshake(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	timing := testTiming()
	timing.ReadTimeout = 3 * time.Second
	r := startSupervisor(t, Camera{ID: "c1", URL: "rtsp://" + addr + "/c1"}, timing, nil)
	time.Sleep(300 * time.Millisecond) // well inside the handshake
	begin := time.Now()
	r.stop()
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("stop took %s", took)
	}
	if evs := r.sink.all(); len(evs) != 0 {
		t.Errorf("events while the first handshake was pending: %s", summary(evs))
	}
	testenv.Eventually(t, 10*time.Second, leftovers)
}

// TestSupervisorLongStall: a camera that stalls for longer than a
// session lasts: the agent redials, the camera accepts the session and
// sends nothing. It is still stalled, never "closed" (the camera ended
// no session; the agent's read deadline did), until it is back.
func TestSupervisorLongStall(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	r := startSupervisor(t, Camera{ID: "c1", URL: sim.URL("c1")}, testTiming(), nil)
	r.sink.await(t, 10*time.Second, "online", health(event.KindHealth, event.StatusOnline, ""))
	if err := sim.Fault("c1", simcam.Fault{Kind: simcam.FaultStall, For: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	off := r.sink.await(t, 5*time.Second, "offline", health(event.KindHealth, event.StatusOffline, ""))
	back := r.sink.await(t, 20*time.Second, "back online", func(ev *event.Event) bool {
		return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline && ev.Seq > off.Seq
	})
	for _, ev := range r.sink.all() {
		if ev.Kind == event.KindHealth && ev.Seq >= off.Seq && ev.Seq < back.Seq && ev.Health.Reason != event.ReasonStalled {
			t.Errorf("during the stall: offline %q (%q), want stalled throughout: %s", ev.Health.Reason, ev.Health.Detail, summary(r.sink.all()))
		}
	}
}

package edge

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/event"
	"github.com/prometheus/client_golang/prometheus"
)

// The supervisor without a server: scripted RTSP sessions (rtspSession)
// inside a synctest bubble, where time is virtual. The camera sends a
// committed clip's packets at exactly 15 fps, pauses, bursts or hangs up
// as each test says, and every time the supervisor reports can be checked
// to the millisecond whatever the load of the machine. The loopback
// cameras of rtspfake_test.go and simcam test the same supervisor through
// vdk and real sockets.

// scriptClip is a clip as an RTSP client delivers it: per access unit its
// packets (one NAL unit each, AVCC), the parameter sets out of band.
type scriptClip struct {
	track videoTrack
	units [][]packet
}

func loadScriptClip(t *testing.T, name string) scriptClip {
	t.Helper()
	data, err := os.ReadFile("../simcam/testdata/clips/" + name)
	if err != nil {
		t.Fatal(err)
	}
	c := scriptClip{track: videoTrack{codec: decode.H264, width: 320, height: 240}}
	var sps, pps []byte
	for i, au := range decode.SplitAccessUnits(data, decode.H264) {
		var pkts []packet
		decode.NALUnits(au, func(nal []byte) bool {
			switch nal[0] & 0x1f {
			case 7:
				sps = nal
			case 8:
				pps = nal
			default:
				d := binary.BigEndian.AppendUint32(nil, uint32(len(nal)))
				pkts = append(pkts, packet{data: append(d, nal...), key: nal[0]&0x1f == 5, ts: time.Duration(i) * time.Second / 15})
			}
			return true
		})
		pkts[len(pkts)-1].marker = true
		c.units = append(c.units, pkts)
	}
	c.track.params = [][]byte{sps, pps}
	return c
}

// scripted is one session; play runs it from a goroutine of the bubble.
type scripted struct {
	track  videoTrack
	mu     sync.Mutex
	events chan sessionEvent
	done   chan struct{}
	once   sync.Once
}

func (s *scripted) Events() <-chan sessionEvent { return s.events }
func (s *scripted) Video() (videoTrack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.track, nil
}
func (s *scripted) Close() { s.once.Do(func() { close(s.done) }) }

// send delivers an event unless the supervisor closed the session.
func (s *scripted) send(ev sessionEvent) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.done:
		return false
	}
}

// play sends frames [from, to) of the clip (looping it), frame i due at
// i/15 s after start; burst > 1 holds the frames back and delivers them
// burst at a time, as a busy agent takes them from the client's queue.
func (s *scripted) play(c scriptClip, start time.Time, from, to, burst int) bool {
	for i := from; i < to; i++ {
		due := start.Add(time.Duration(i) * time.Second / 15)
		if burst > 1 {
			due = start.Add(time.Duration(i/burst*burst+burst-1) * time.Second / 15)
		}
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-s.done:
				return false
			}
		}
		loop := time.Duration(i/len(c.units)) * time.Duration(len(c.units)) * time.Second / 15
		for _, p := range c.units[i%len(c.units)] {
			p.ts += loop
			if !s.send(sessionEvent{kind: evPacket, pkt: p}) {
				return false
			}
		}
	}
	return true
}

// scriptedRun is a supervisor of one camera whose n-th session (from 0)
// is played by script.
type scriptedRun struct {
	sup   *Supervisor
	sink  *memSink
	m     *Metrics
	snaps *memSnaps
	dials []time.Time
	mu    sync.Mutex
}

func startScripted(t *testing.T, cam Camera, clip scriptClip, script func(n int, s *scripted)) (*scriptedRun, context.CancelFunc, chan struct{}) {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r := &scriptedRun{sink: newMemSink(), m: m, snaps: &memSnaps{byID: map[string][]byte{}}}
	dial := func(dialOptions) (rtspSession, error) {
		r.mu.Lock()
		n := len(r.dials)
		r.dials = append(r.dials, time.Now())
		r.mu.Unlock()
		s := &scripted{track: clip.track, events: make(chan sessionEvent, 16), done: make(chan struct{})}
		go script(n, s)
		return s, nil
	}
	answer := func(context.Context, string, time.Duration, time.Duration) (int, error) { return 200, nil }
	if cam.URL == "" {
		cam.URL = "rtsp://camera.invalid/" + cam.ID
	}
	r.sup, err = NewSupervisor(cam, SupervisorOptions{Site: "s", Agent: "a", Timing: testTiming(), Sink: r.sink, Metrics: m,
		Snapshots: r.snaps, dial: dial, probe: answer})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.sup.Run(ctx) }()
	return r, cancel, done
}

// stop cancels the supervisor and checks that Run returns at once (no
// virtual time passes) and leaves nothing running.
func (r *scriptedRun) stop(t *testing.T, cancel context.CancelFunc, done chan struct{}) {
	t.Helper()
	begin := time.Now()
	cancel()
	<-done
	if took := time.Since(begin); took > 0 {
		t.Errorf("Run returned %s after cancel", took)
	}
	r.sup.Wait()
	r.sink.checkValid(t)
}

func (r *scriptedRun) events(kind event.Kind) []*event.Event {
	var out []*event.Event
	for _, ev := range r.sink.all() {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// TestScriptedWalk: the walk clip (walker 6-12 s) at exactly 15 fps, and
// again delivered in bursts of a second, as an agent too busy to read its
// queue takes it. Both give the same motion interval, in the sidewalk zone,
// with a colour snapshot, and the camera is never judged frozen: the
// detectors run on the camera's clock (the frames' timestamps), not on
// when the supervisor got round to them. Before that clock, bursts were
// what made the loaded TestSupervisorPixel report a quiet picture
// "frozen" (a keyframe's refresh fell between two detect frames).
func TestScriptedWalk(t *testing.T) {
	clip := loadScriptClip(t, "walk-320x240.h264")
	for _, burst := range []int{1, 15} {
		t.Run(map[int]string{1: "paced", 15: "bursts of a second"}[burst], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				r, cancel, done := startScripted(t, Camera{ID: "walk", Detect: pixelTierConfig(false)}, clip, func(n int, s *scripted) {
					s.play(clip, t0, 0, 15*22, burst)
					<-s.done
				})
				time.Sleep(23 * time.Second)
				r.stop(t, cancel, done)

				starts, ends := r.events(event.KindMotionStart), r.events(event.KindMotionEnd)
				if len(starts) != 1 || len(ends) != 1 {
					t.Fatalf("%d starts and %d ends, want one of each: %s", len(starts), len(ends), summary(r.sink.all()))
				}
				from := ends[0].Motion.Started.Sub(t0).Seconds()
				to := from + ends[0].Motion.DurationS
				if from < 6 || from > 6.6 || to < 11.4 || to > 12.3 {
					t.Errorf("motion %.2f-%.2f s, truth 6-12 s", from, to)
				}
				if z := ends[0].Motion.Zones; len(z) != 1 || z[0] != "sidewalk" {
					t.Errorf("zones %v, want [sidewalk]", z)
				}
				checkSnapshot(t, r.snaps, starts[0])
				var fps []float64
				for _, ev := range r.sink.all() {
					if h := ev.Health; h != nil && (len(h.Tamper) > 0 || (h.Status == event.StatusOnline && h.Reason != "")) {
						t.Errorf("picture fault or reason at %.1f s: %+v", ev.Time.Sub(t0).Seconds(), h)
					}
					// (The first second of bursts comes in before the clock
					// has seen an on-time frame: its window is squeezed.)
					if ev.Kind == event.KindStats && ev.Time.Sub(t0) > 7*time.Second {
						fps = append(fps, ev.Health.FPS)
					}
				}
				online := r.events(event.KindHealth)[0]
				first := t0.Add(time.Duration(burst-1) * time.Second / 15) // when the first packet came
				if online.Health.Status != event.StatusOnline || !online.Health.Since.Equal(first.UTC()) {
					t.Errorf("first health %+v, want online since the first packet %v", online.Health, first)
				}
				t.Logf("motion %.2f-%.2f s; fps %v", from, to, fps)
				for _, f := range fps {
					if f < 14.5 || f > 15.5 {
						t.Errorf("fps %v, the camera sends 15", fps)
						break
					}
				}
			})
		})
	}
}

// TestScriptedStallAndEnd: a camera that stops sending with its session
// open is offline (stalled) at the stall timeout, since its last frame; a
// camera whose session ends is offline (closed) at once. Each comes back
// online since the first packet of the next session.
func TestScriptedStallAndEnd(t *testing.T) {
	clip := loadScriptClip(t, "static-320x240.h264")
	cases := []struct {
		name   string
		end    bool // the session ends instead of going silent
		reason event.Reason
		after  [2]time.Duration // offline event after the last frame, within
	}{
		{"stall", false, event.ReasonStalled, [2]time.Duration{2 * time.Second, 2*time.Second + 260*time.Millisecond}},
		{"session ends", true, event.ReasonClosed, [2]time.Duration{0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				last := t0.Add(45 * time.Second / 15) // the last frame of the first session
				var second time.Time
				r, cancel, done := startScripted(t, Camera{ID: "c1", Detect: pixelTierConfig(false)}, clip, func(n int, s *scripted) {
					if n == 0 {
						s.play(clip, t0, 0, 46, 1)
						if tc.end {
							s.send(sessionEvent{kind: evEnd})
						}
						<-s.done
						return
					}
					if n == 1 {
						second = time.Now()
						s.play(clip, second, 0, 15*5, 1)
					}
					<-s.done
				})
				time.Sleep(15 * time.Second)
				r.stop(t, cancel, done)
				var off, back *event.Event
				for _, ev := range r.events(event.KindHealth) {
					if off == nil && ev.Health.Status == event.StatusOffline {
						off = ev
					} else if off != nil && back == nil && ev.Health.Status == event.StatusOnline {
						back = ev
					}
				}
				if off == nil || back == nil {
					t.Fatalf("no offline and back online: %s", summary(r.sink.all()))
				}
				if off.Health.Reason != tc.reason {
					t.Errorf("offline %q (%s), want %q", off.Health.Reason, off.Health.Detail, tc.reason)
				}
				if d := off.Time.Sub(last); d < tc.after[0] || d > tc.after[1] {
					t.Errorf("offline %s after the last frame, want %s to %s", d, tc.after[0], tc.after[1])
				}
				if want := last; tc.end {
					if !off.Health.Since.Equal(off.Time) {
						t.Errorf("closed since %s, want its close %s", off.Health.Since, off.Time)
					}
				} else if !off.Health.Since.Equal(want.UTC()) {
					t.Errorf("stalled since %s, want the last frame %s", off.Health.Since, want)
				}
				if !back.Health.Since.Equal(second.UTC()) && back.Health.Since.After(second) {
					t.Errorf("back online since %s, the second session's first packet was %s", back.Health.Since, second)
				}
				t.Logf("offline %s after the last frame; redialled after %s", off.Time.Sub(last), second.Sub(off.Time))
			})
		})
	}
}

// TestScriptedCodecChange: a codec change mid-session (in-band parameter
// sets, a new resolution) is read again and reported, and detection
// carries on.
func TestScriptedCodecChange(t *testing.T) {
	clip := loadScriptClip(t, "static-320x240.h264")
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		r, cancel, done := startScripted(t, Camera{ID: "c1", Detect: pixelTierConfig(false)}, clip, func(n int, s *scripted) {
			s.play(clip, t0, 0, 30, 1)
			s.mu.Lock()
			s.track.width, s.track.height = 640, 360
			s.mu.Unlock()
			s.send(sessionEvent{kind: evCodec})
			s.play(clip, t0, 30, 90, 1)
			<-s.done
		})
		time.Sleep(6 * time.Second)
		r.stop(t, cancel, done)
		var widths []int
		for _, ev := range r.events(event.KindStats) {
			widths = append(widths, ev.Health.Width)
		}
		if len(widths) < 4 || widths[0] != 320 || widths[len(widths)-1] != 640 {
			t.Errorf("stats widths %v, want 320 then 640", widths)
		}
		if n := metricValue(t, r.m.detection("c1").Frames); n < 25 {
			t.Errorf("%v frames detected in 6 s at 5 fps", n)
		}
	})
}

// TestScriptedReadDeadline: a busy agent handles a camera's last frames
// late (a second's burst), and the client's read deadline ends the session
// right after: the camera went silent, so it is stalled, though the
// supervisor handled a packet only moments before; the same end with the
// connection closed is closed. (Judged by the supervisor's own last packet
// time, a loaded agent reported GStreamer's SIGSTOPped server "closed".)
func TestScriptedReadDeadline(t *testing.T) {
	clip := loadScriptClip(t, "static-320x240.h264")
	deadline := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	cases := []struct {
		name   string
		err    error
		reason event.Reason
	}{
		{"read deadline", fmt.Errorf("read header: %w", deadline), event.ReasonStalled},
		{"connection closed", io.EOF, event.ReasonClosed},
		{"unknown end", nil, event.ReasonClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				r, cancel, done := startScripted(t, Camera{ID: "c1"}, clip, func(n int, s *scripted) {
					if n == 0 {
						s.play(clip, t0, 0, 60, 15)
						s.send(sessionEvent{kind: evEnd, err: tc.err})
					}
					<-s.done
				})
				time.Sleep(6 * time.Second)
				r.stop(t, cancel, done)
				for _, ev := range r.events(event.KindHealth) {
					if ev.Health.Status == event.StatusOffline {
						if ev.Health.Reason != tc.reason {
							t.Errorf("offline %q (%s), want %q", ev.Health.Reason, ev.Health.Detail, tc.reason)
						}
						return
					}
				}
				t.Fatalf("never offline: %s", summary(r.sink.all()))
			})
		})
	}
}

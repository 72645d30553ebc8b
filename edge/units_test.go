package edge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/prometheus/client_golang/prometheus"
)

func TestRedactorClean(t *testing.T) {
	const pw = "p@ss:w/rd 42"
	r := newRedactor(pw)
	cases := []struct {
		name, in string
	}{
		{"vdk dial error quoting the url", `dial tcp: lookup rtsp://admin:p%40ss%3Aw%2Frd%2042@10.0.0.7:554/stream1: no such host`},
		{"plain password", "auth failed for password " + pw},
		{"query escaped", "bad url ?pw=" + "p%40ss%3Aw%2Frd+42"},
		{"userinfo of another url", "parse rtsp://bob:hunter2@cam/x: invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := r.clean(tc.in)
			for _, bad := range []string{pw, "p%40ss", "hunter2", "admin:"} {
				if strings.Contains(out, bad) {
					t.Errorf("clean(%q) = %q still holds %q", tc.in, out, bad)
				}
			}
		})
	}
	if got := r.clean(strings.Repeat("x", 1000)); len(got) != maxDetail {
		t.Errorf("detail not bounded: %d chars", len(got))
	}
	if got := newRedactor("").clean("nothing to hide"); got != "nothing to hide" {
		t.Errorf("clean changed a harmless text: %q", got)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want event.Reason
	}{
		{"vdk 401", errors.New("RTSP Client Unauthorized 401"), event.ReasonAuthFailed},
		{"vdk 404", errors.New("Camera send statusRTSP/1.0 404 Not Found"), event.ReasonNotFound},
		{"vdk 503", errors.New("Camera send statusRTSP/1.0 503 Service Unavailable"), event.ReasonProtocol},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, event.ReasonRefused},
		{"unreachable", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, event.ReasonRefused},
		{"read deadline", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, event.ReasonTimeout},
		{"handshake deadline", ErrDialTimeout, event.ReasonTimeout},
		{"eof", io.EOF, event.ReasonClosed},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, event.ReasonClosed},
		{"stream stopped", ErrStreamStopped, event.ReasonClosed},
		{"stalled", fmt.Errorf("%w: 2s", ErrStalled), event.ReasonStalled},
		{"no keyframe", ErrNoKeyframe, event.ReasonStalled},
		{"no video", ErrNoVideo, event.ReasonCodecMissing},
		{"probe said auth", fmt.Errorf("%w (x)", ErrAuthFailed), event.ReasonAuthFailed},
		{"probe said path", fmt.Errorf("%w (x)", ErrNotFound), event.ReasonNotFound},
		{"dns", &net.DNSError{Err: "no such host", Name: "cam"}, event.ReasonRefused},
		{"anything else", errors.New("malformed SDP"), event.ReasonProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}

// avcc builds an AVCC payload (4-byte lengths) from NAL units.
func avcc(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, byte(len(n)>>24), byte(len(n)>>16), byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

func TestHasIDR(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		hevc bool
		want bool
	}{
		{"h264 idr slice", avcc([]byte{0x65, 0x88, 0x84}), false, true},
		{"h264 p slice", avcc([]byte{0x41, 0x9a}), false, false},
		{"h264 idr after sei", avcc([]byte{0x06, 0x05, 0x01}, []byte{0x65, 0x88}), false, true},
		{"h265 idr_w_radl", avcc([]byte{19 << 1, 0x01, 0xaf}), true, true},
		{"h265 trail_r", avcc([]byte{1 << 1, 0x01, 0xd0}), true, false},
		{"truncated length", []byte{0, 0, 0, 99, 0x41}, false, false},
		{"empty", nil, false, false},
		{"length overflowing", []byte{0xff, 0xff, 0xff, 0xff, 0x41, 0, 0, 0, 1, 0x65}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasIDR(tc.data, tc.hevc); got != tc.want {
				t.Errorf("hasIDR = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAssembler covers the access-unit delimiting named in issue 11: each
// signal alone (timestamp, marker, AUD, first slice of a picture) ends a
// unit, so constant or backward-jumping timestamps, a marker never set and
// multi-slice frames all come out as the frames they are; a STAP-A IDR
// that vdk does not flag is a keyframe; a unit without a slice is none.
func TestAssembler(t *testing.T) {
	type pkt struct {
		ts      time.Duration
		data    []byte
		flagged bool
		marker  bool
	}
	idr := avcc([]byte{0x65, 0x88, 2, 3})     // first_mb 0
	p := avcc([]byte{0x41, 0x9a, 1})          // first_mb 0
	p2 := avcc([]byte{0x41, 0x40, 1})         // second slice (first_mb 1)
	aud := avcc([]byte{0x09, 0x10})           // H.264 AUD
	hIDR := avcc([]byte{0x28, 0x01, 0xaf, 1}) // H.265 IDR_N_LP, first slice
	hP := avcc([]byte{0x02, 0x01, 0xd0, 1})   // H.265 TRAIL_R, first slice
	hP2 := avcc([]byte{0x02, 0x01, 0x40, 1})  // H.265 TRAIL_R, next segment
	hAUD := avcc([]byte{0x46, 0x01, 0x50})    // H.265 AUD
	cases := []struct {
		name   string
		hevc   bool
		pkts   []pkt
		want   []frame // size and keyframe only
		broken bool
	}{
		{"one slice per frame, timestamps only", false, []pkt{{0, idr, true, false}, {66, p, false, false}, {133, p, false, false}},
			[]frame{{size: len(idr), keyframe: true}, {size: len(p)}}, false},
		{"multi-slice frames", false, []pkt{{0, idr, true, false}, {0, p2, false, false}, {66, p, false, false}, {66, p2, false, false}, {133, p, false, false}},
			[]frame{{size: len(idr) + len(p2), keyframe: true}, {size: len(p) + len(p2)}}, false},
		{"STAP-A IDR not flagged", false, []pkt{{0, idr, false, false}, {66, p, false, false}},
			[]frame{{size: len(idr), keyframe: true}}, false},
		{"marker ends the unit at once", false, []pkt{{0, idr, true, true}, {66, p, false, true}},
			[]frame{{size: len(idr), keyframe: true}, {size: len(p)}}, false},
		{"constant timestamps: first slices delimit", false, []pkt{{5, idr, true, false}, {5, p2, false, false}, {5, p, false, false}, {5, p, false, false}, {5, p, false, false}},
			[]frame{{size: len(idr) + len(p2), keyframe: true}, {size: len(p)}, {size: len(p)}}, false},
		{"constant timestamps with marker", false, []pkt{{5, idr, true, true}, {5, p, false, true}, {5, p, false, true}},
			[]frame{{size: len(idr), keyframe: true}, {size: len(p)}, {size: len(p)}}, false},
		{"AUD opens a unit, a unit of AUD alone is none", false, []pkt{{5, aud, false, false}, {5, idr, true, false}, {5, aud, false, false}, {5, aud, false, false}, {5, p, false, false}, {5, aud, false, false}},
			[]frame{{size: len(aud) + len(idr), keyframe: true}, {size: len(aud) + len(p)}}, false},
		{"timestamps jumping backwards", false, []pkt{{900, idr, true, true}, {300, p, false, true}, {600, p, false, true}, {100, p, false, true}},
			[]frame{{size: len(idr), keyframe: true}, {size: len(p)}, {size: len(p)}, {size: len(p)}}, false},
		{"h265: AUD, segments, constant timestamps, no marker", true, []pkt{{7, hAUD, false, false}, {7, hIDR, false, false}, {7, hAUD, false, false}, {7, hP, false, false}, {7, hP2, false, false}, {7, hP, false, false}, {7, hP, false, false}},
			[]frame{{size: len(hAUD) + len(hIDR), keyframe: true}, {size: len(hAUD) + len(hP) + len(hP2)}, {size: len(hP)}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a assembler
			var got []frame
			for _, k := range tc.pkts {
				for _, f := range a.add(k.ts*time.Millisecond, time.Time{}, k.data, k.flagged, k.marker, tc.hevc) {
					got = append(got, frame{size: f.size, keyframe: f.keyframe})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("frames %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAssemblerJudgesTimestamps: a constant RTP timestamp (GStreamer on a
// raw file, cheap NVR restreams) or one that often runs backwards makes
// the timestamps broken after a window; steady ones do not, and a single
// backwards step (the 32-bit RTP clock wrapping) does not either.
func TestAssemblerJudgesTimestamps(t *testing.T) {
	p := avcc([]byte{0x41, 0x9a, 1})
	for _, tc := range []struct {
		name   string
		ts     func(i int) time.Duration
		broken bool
	}{
		{"steady", func(i int) time.Duration { return time.Duration(i) * 66 * time.Millisecond }, false},
		{"one wrap", func(i int) time.Duration { return time.Duration((i+20)%50) * 66 * time.Millisecond }, false},
		{"constant", func(int) time.Duration { return time.Second }, true},
		{"back and forth", func(i int) time.Duration { return time.Duration(i%2) * time.Second }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a assembler
			for i := range 3 * tsWindow {
				a.add(tc.ts(i), time.Time{}, p, false, true, false)
			}
			if a.tsBroken != tc.broken {
				t.Errorf("broken %v, want %v", a.tsBroken, tc.broken)
			}
		})
	}
}

func TestMeterRates(t *testing.T) {
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	var m meter
	// 15 fps, 1000-byte frames, a keyframe every 30 frames, for 10 s.
	for i := range 150 {
		m.add(frame{arrived: base.Add(time.Duration(i) * time.Second / 15), size: 1000, keyframe: i%30 == 0})
	}
	now := base.Add(10 * time.Second)
	fps, kbps, win := m.rates(now)
	if fps < 14.9 || fps > 15.1 {
		t.Errorf("fps %.2f", fps)
	}
	if kbps < 119 || kbps > 121 { // 15 * 1000 B * 8
		t.Errorf("kbps %.1f", kbps)
	}
	if win < 4*time.Second || win > meterWindow {
		t.Errorf("window %s", win)
	}
	if m.keyInt != 2*time.Second {
		t.Errorf("keyframe interval %s", m.keyInt)
	}
	if fps, _, _ := m.rates(now.Add(time.Minute)); fps != 0 {
		t.Errorf("fps %.2f a minute after the last frame", fps)
	}
	m.newSession()
	if fps, _, _ := m.rates(now); fps != 0 || m.frames != 150 {
		t.Errorf("after a new session: fps %.2f, total %d", fps, m.frames)
	}
}

// TestHeartbeatCadence runs the heartbeat in a synctest bubble: one beat
// at once, then one per interval, each counting the online cameras.
func TestHeartbeatCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		m, err := NewMetrics(reg)
		if err != nil {
			t.Fatal(err)
		}
		sink := newMemSink()
		var sups []*Supervisor
		for _, id := range []string{"c1", "c2", "c3"} {
			s, err := NewSupervisor(Camera{ID: id, URL: "rtsp://127.0.0.1:1/" + id, Password: configs.NewSecret("x")}, SupervisorOptions{Site: "s", Agent: "a", Sink: sink, Metrics: m})
			if err != nil {
				t.Fatal(err)
			}
			sups = append(sups, s)
		}
		sups[1].online.Store(true)
		hb := &heartbeat{out: &emitter{site: "s", agent: "a", sink: sink, metrics: m, log: sups[0].log},
			version: "test", started: time.Now(), interval: 10 * time.Second, sups: sups, spool: fakeSpool{7, 2}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			hb.run(ctx)
		}()
		time.Sleep(35 * time.Second)
		cancel()
		<-done
		evs := sink.all()
		if len(evs) != 4 {
			t.Fatalf("%d heartbeats in 35s at 10s, want 4 (t=0,10,20,30)", len(evs))
		}
		for i, ev := range evs {
			h := ev.Heartbeat
			if ev.Kind != event.KindHeartbeat || ev.Camera != "" || h.Cameras != 3 || h.Online != 1 || h.Backlog != 7 || h.Dropped != 2 || h.IntervalS != 10 {
				t.Errorf("heartbeat %d: %+v %+v", i, ev, h)
			}
			if ev.Seq != uint64(i+1) {
				t.Errorf("heartbeat %d has seq %d", i, ev.Seq)
			}
		}
		sink.checkValid(t)
	})
}

type fakeSpool struct {
	backlog int64
	dropped uint64
}

func (f fakeSpool) Backlog() int64  { return f.backlog }
func (f fakeSpool) Dropped() uint64 { return f.dropped }
func (f fakeSpool) Epoch() string   { return "" }

// failingSink refuses everything, as a full or closed spool would.
type failingSink struct{}

func (failingSink) Append(*event.Event) error { return errors.New("spool closed") }

func TestRefusedEventsAreCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	e := &emitter{site: "s", agent: "a", sink: failingSink{}, metrics: m, log: logs.logger()}
	ev := e.newEvent(event.KindStats, "c1", event.Labels{}, time.Now())
	ev.Health = &event.Health{Status: event.StatusOnline}
	e.emit(ev)
	e.emit(ev)
	if n := metricValue(t, m.eventsDropped.WithLabelValues("stats")); n != 2 {
		t.Errorf("dropped counter %v, want 2", n)
	}
	if n := metricValue(t, m.events.WithLabelValues("stats")); n != 0 {
		t.Errorf("emitted counter %v, want 0", n)
	}
	if c := strings.Count(logs.String(), "event dropped"); c != 2 {
		t.Errorf("%d log lines for 2 drops", c)
	}
}

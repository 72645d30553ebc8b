package edge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/testenv"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
)

func TestReadResponse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		code    int
		header  map[string]string
		wantErr error // nil: success
		rest    string
	}{
		{name: "options answer", in: "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n", code: 200,
			header: map[string]string{"Cseq": "1", "Public": "DESCRIBE, SETUP, PLAY"}},
		{name: "no reason phrase, bare LF", in: "RTSP/1.0 401\nWWW-Authenticate: Digest realm=\"x\"\n\n", code: 401,
			header: map[string]string{"Www-Authenticate": `Digest realm="x"`}},
		{name: "body left unread", in: "RTSP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nv=0\n", code: 200, rest: "v=0\n"},
		{name: "http, not rtsp", in: "HTTP/1.1 200 OK\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "binary junk", in: "\x24\x00\xff\xff\x80\x00\n", wantErr: ErrNotRTSP},
		{name: "four-digit code", in: "RTSP/1.0 2000 OK\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "code not a number", in: "RTSP/1.0 2x0 OK\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "code below 100", in: "RTSP/1.0 099 Huh\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "header without colon", in: "RTSP/1.0 200 OK\r\nCSeq 1\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "header name with a space", in: "RTSP/1.0 200 OK\r\nC Seq: 1\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "too many header lines", in: "RTSP/1.0 200 OK\r\n" + strings.Repeat("X: y\r\n", maxResponseLines+1) + "\r\n", wantErr: ErrNotRTSP},
		{name: "head too long", in: "RTSP/1.0 200 OK\r\nX: " + strings.Repeat("y", maxResponseHead) + "\r\n\r\n", wantErr: ErrNotRTSP},
		{name: "cut mid-head", in: "RTSP/1.0 200 OK\r\nCSeq: 1\r\n", wantErr: io.EOF},
		{name: "cut mid-line", in: "RTSP/1.0 200 OK\r\nCSe", wantErr: io.ErrUnexpectedEOF},
		{name: "nothing", in: "", wantErr: io.EOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tc.in), 64)
			resp, err := readResponse(r)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || resp.Code != tc.code {
				t.Fatalf("code %d, err %v; want %d", resp.Code, err, tc.code)
			}
			for k, v := range tc.header {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != tc.rest {
				t.Errorf("left %q, want %q", rest, tc.rest)
			}
		})
	}
}

// FuzzReadResponse: whatever a camera sends, the reader returns (never
// panics), reads at most its bound, and a success has a 3-digit code.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n",
		"RTSP/1.0 401 Unauthorized\nWWW-Authenticate: Basic realm=\"c\"\n\n",
		"RTSP/1.0 200\r\n\r\nbody",
		"HTTP/1.0 404 Not Found\r\n\r\n",
		"\x24\x00\x00\x10garbage",
		"RTSP/1.0 200 OK\r\n: empty\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cr := &countingReader{r: strings.NewReader(string(in))}
		resp, err := readResponse(bufio.NewReaderSize(cr, 4096))
		if cr.n > maxResponseHead+4096 {
			t.Fatalf("read %d bytes for one head", cr.n)
		}
		if err == nil && (resp.Code < 100 || resp.Code > 999 || resp.Header == nil) {
			t.Fatalf("success with code %d, header %v", resp.Code, resp.Header)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestProbeOptions(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Username: simUser, Password: simPass,
		Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	cases := []struct {
		name    string
		url     string
		ok      bool // any RTSP status counts as an answer
		wantErr func(error) bool
		within  time.Duration
	}{
		{name: "a camera (credentials not sent)", url: sim.URL("c1"), ok: true, within: time.Second},
		{name: "nobody listening", url: "rtsp://" + closedPort(t) + "/c1",
			wantErr: func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }, within: time.Second},
		{name: "accepts but never answers", url: "rtsp://" + fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }) + "/c1",
			wantErr: func(err error) bool { return errors.Is(err, ErrNoAnswer) }, within: 1500 * time.Millisecond},
		{name: "answers with HTTP", url: "rtsp://" + fakeServer(t, func(c net.Conn) {
			c.Read(make([]byte, 512))
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}) + "/c1", wantErr: func(err error) bool { return errors.Is(err, ErrNotRTSP) }, within: time.Second},
		{name: "hangs up", url: "rtsp://" + fakeServer(t, func(c net.Conn) {}) + "/c1",
			wantErr: func(err error) bool { return classify(err) == event.ReasonClosed }, within: time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			begin := time.Now()
			code, err := probeOptions(context.Background(), tc.url, time.Second, time.Second)
			if took := time.Since(begin); took > tc.within {
				t.Errorf("probe took %s", took)
			}
			switch {
			case tc.ok && (err != nil || code < 100):
				t.Errorf("probe = %d, %v; want an answer", code, err)
			case !tc.ok && (err == nil || !tc.wantErr(err)):
				t.Errorf("probe = %d, %v; want the named error", code, err)
			}
		})
	}
	t.Run("reasons", func(t *testing.T) {
		_, err := probeOptions(context.Background(), "rtsp://"+fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })+"/c1", time.Second, 200*time.Millisecond)
		if r := classify(err); r != event.ReasonTimeout {
			t.Errorf("no answer classified %q (%v)", r, err)
		}
	})
	t.Run("stops with its context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		addr := fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		begin := time.Now()
		if _, err := probeOptions(ctx, "rtsp://"+addr+"/c1", 10*time.Second, 10*time.Second); err == nil {
			t.Error("probe of a silent server succeeded")
		}
		if took := time.Since(begin); took > time.Second {
			t.Errorf("probe ignored its context for %s", took)
		}
	})
}

// connCounter counts a fake camera's connections: open now, most at once,
// and in all.
type connCounter struct {
	mu                sync.Mutex
	open, peak, total int
}

func (c *connCounter) serve(f func(net.Conn)) func(net.Conn) {
	return func(conn net.Conn) {
		c.mu.Lock()
		c.open++
		c.total++
		c.peak = max(c.peak, c.open)
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.open--
			c.mu.Unlock()
		}()
		f(conn)
	}
}

func (c *connCounter) get() (open, peak, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open, c.peak, c.total
}

// TestSupervisorCameraNeverAnswers: a camera that accepts TCP but never
// answers OPTIONS is offline with reason timeout, and probing it does not
// pile up connections: one probe at a time, each closed after its
// timeout, and no full dial beside it while no probe is answered.
func TestSupervisorCameraNeverAnswers(t *testing.T) {
	t.Parallel()
	var cc connCounter
	addr := fakeServer(t, cc.serve(func(c net.Conn) { io.Copy(io.Discard, c) }))
	timing := testTiming()
	timing.ProbeInterval = 200 * time.Millisecond
	timing.DialTimeout, timing.ReadTimeout = 500*time.Millisecond, 500*time.Millisecond
	timing.Backoff = []time.Duration{100 * time.Millisecond, 2 * time.Second}
	r := startSupervisor(t, Camera{ID: "c1", URL: "rtsp://" + addr + "/c1"}, timing, nil)
	off := r.sink.await(t, 10*time.Second, "offline", health(event.KindHealth, event.StatusOffline, ""))
	if off.Health.Reason != event.ReasonTimeout {
		t.Errorf("reason %q (%q), want timeout", off.Health.Reason, off.Health.Detail)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := metricValue(t, r.sup.cm.probes.failed); n < 8 {
			return fmt.Errorf("%v failed probes so far", n)
		}
		return nil
	})
	open, peak, total := cc.get()
	t.Logf("connections: %d open, %d at most, %d in all", open, peak, total)
	if peak > 2 {
		t.Errorf("%d connections at once, want at most the first dial and a probe", peak)
	}
	if _, err := r.sink.find("online", health(event.KindHealth, event.StatusOnline, "")); err == nil {
		t.Error("went online")
	}
	r.stop()
	testenv.Eventually(t, 5*time.Second, func() error {
		if open, _, _ := cc.get(); open > 0 {
			return fmt.Errorf("%d connections still open after stop", open)
		}
		return nil
	})
}

// rtspRefuser answers every OPTIONS with 200 and every DESCRIBE with
// code, counting both: a camera whose RTSP server is up but whose stream
// is not (booting, licence, overloaded).
type rtspRefuser struct {
	code              string
	mu                sync.Mutex
	options, describe int
}

func (f *rtspRefuser) serve(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		method, _, _ := strings.Cut(line, " ")
		cseq := "1"
		for {
			h, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if h = strings.TrimSpace(h); h == "" {
				break
			}
			if v, ok := strings.CutPrefix(h, "CSeq:"); ok {
				cseq = strings.TrimSpace(v)
			}
		}
		f.mu.Lock()
		answer := "200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
		switch method {
		case "OPTIONS":
			f.options++
		case "DESCRIBE":
			f.describe++
			answer = f.code
		}
		f.mu.Unlock()
		if _, err := io.WriteString(c, "RTSP/1.0 "+answer+"\r\nCSeq: "+cseq+"\r\n\r\n"); err != nil {
			return
		}
	}
}

func (f *rtspRefuser) counts() (options, describe int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.options, f.describe
}

// TestSupervisorDescribeRefused: a camera that answers OPTIONS but refuses
// DESCRIBE answers every probe, yet is redialled only on the backoff
// steps: probes that answer end the wait only for a camera seen
// unreachable, so there is no connection storm.
func TestSupervisorDescribeRefused(t *testing.T) {
	t.Parallel()
	f := &rtspRefuser{code: "503 Service Unavailable"}
	addr := fakeServer(t, f.serve)
	timing := testTiming()
	timing.ProbeInterval = 100 * time.Millisecond
	timing.Backoff = []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}
	begin := time.Now()
	r := startSupervisor(t, Camera{ID: "c1", URL: "rtsp://" + addr + "/c1"}, timing, nil)
	off := r.sink.await(t, 10*time.Second, "offline", health(event.KindHealth, event.StatusOffline, ""))
	if off.Health.Reason != event.ReasonProtocol {
		t.Errorf("reason %q (%q), want protocol", off.Health.Reason, off.Health.Detail)
	}
	testenv.Eventually(t, 15*time.Second, func() error {
		if n := metricValue(t, r.sup.cm.probes.answered); n < 20 {
			return fmt.Errorf("%v answered probes so far", n)
		}
		return nil
	})
	took := time.Since(begin)
	r.stop()
	options, describe := f.counts()
	// Dials at the backoff steps (jittered +-20%; vdk adds its own 1 s
	// sleep after an error status), plus one that may be under way.
	steps := 1
	for at, i := time.Duration(0), 0; ; i++ {
		at += timing.Backoff[min(i, len(timing.Backoff)-1)] * 8 / 10
		if at > took {
			break
		}
		steps++
	}
	t.Logf("%s: %d OPTIONS, %d DESCRIBE (at most %d by the backoff)", took.Round(time.Millisecond), options, describe, steps+1)
	if describe > steps+1 {
		t.Errorf("%d DESCRIBE in %s: redialled faster than the backoff allows (%d)", describe, took, steps+1)
	}
	if describe < 2 {
		t.Errorf("only %d DESCRIBE: the backoff did not redial", describe)
	}
}

// TestSupervisorRecoversAtOnce: with a backoff grown to 30 s, a camera
// that comes back is redialled by the first probe it answers: its online
// event's since is within a probe interval (plus the handshake) of the
// moment simcam listened again, and the offline since is the moment the
// camera closed the session. Times are compared with simcam's state log, not with
// the test's own clock.
func TestSupervisorRecoversAtOnce(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	timing := testTiming()
	timing.ProbeInterval = time.Second // the production default
	timing.Backoff = []time.Duration{100 * time.Millisecond, 30 * time.Second}
	r := startSupervisor(t, Camera{ID: "c1", URL: sim.URL("c1")}, timing, nil)
	r.sink.await(t, 10*time.Second, "online", health(event.KindHealth, event.StatusOnline, ""))
	if err := sim.Fault("c1", simcam.Fault{Kind: simcam.FaultOffline, For: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	off := r.sink.await(t, 5*time.Second, "offline", health(event.KindHealth, event.StatusOffline, ""))
	back := r.sink.await(t, 15*time.Second, "back online", func(ev *event.Event) bool {
		return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline && ev.Seq > off.Seq
	})
	log, err := sim.StateLog("c1")
	if err != nil || len(log) != 3 || log[1].State != simcam.StateOffline || log[2].State != simcam.StateOnline {
		t.Fatalf("state log %+v, %v", log, err)
	}
	startErr := off.Health.Since.Sub(log[1].At)
	endErr := back.Health.Since.Sub(log[2].At)
	report := back.Time.Sub(log[2].At)
	t.Logf("offline since %+.3fs, online since %+.3fs, online reported %+.3fs after the camera", startErr.Seconds(), endErr.Seconds(), report.Seconds())
	if startErr < -200*time.Millisecond || startErr > 100*time.Millisecond {
		t.Errorf("offline since %s from the fault, want the session's end", startErr)
	}
	if endErr < 0 || endErr > 2*time.Second {
		t.Errorf("online since %s after the camera was back, want within a probe interval", endErr)
	}
	// The online event waits for a keyframe too: the clip's GOP is 2 s.
	if report > 4*time.Second {
		t.Errorf("online reported %s after the camera was back", report)
	}
	if n := metricValue(t, r.sup.cm.probes.answered); n != 1 {
		t.Errorf("%v answered probes, want the one that ended the outage", n)
	}
}

// TestSupervisorFlapping: a camera that drops off the network for 1 s in
// every 4 s is reported offline and online once per flap, never twice,
// and never misses one (each flap is one outage). Each return must leave
// the edge time for a keyframe (the clip's GOP is 2 s): a session that
// ends before its first keyframe never was online.
func TestSupervisorFlapping(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240",
		OfflineEvery: 4 * time.Second, OfflineFor: time.Second}}})
	timing := testTiming()
	timing.ProbeInterval = 200 * time.Millisecond
	timing.Backoff = []time.Duration{500 * time.Millisecond, 30 * time.Second}
	r := startSupervisor(t, Camera{ID: "c1", URL: sim.URL("c1")}, timing, nil)
	testenv.Eventually(t, 30*time.Second, func() error {
		log, _ := sim.StateLog("c1")
		if n := len(log); n < 7 || log[n-1].State != simcam.StateOnline {
			return fmt.Errorf("%d flaps so far", n/2)
		}
		return nil
	})
	log, _ := sim.StateLog("c1")
	flaps := len(log) / 2
	// Let the edge see the last return, then count its status changes.
	testenv.Eventually(t, 5*time.Second, func() error {
		if !r.sup.Online() {
			return errString("not back yet")
		}
		return nil
	})
	r.stop()
	var changes []string
	last := event.Status("")
	for _, ev := range r.sink.all() {
		if ev.Kind == event.KindHealth && ev.Health.Status != last {
			last = ev.Health.Status
			changes = append(changes, string(last))
		}
	}
	want := 1 + 2*flaps // online, then offline+online per flap
	if len(changes) != want {
		t.Errorf("%d status changes %v for %d flaps, want %d\nsimcam: %+v\nedge: %s", len(changes), changes, flaps, want, log, healthSummary(r.sink.all()))
	}
}

// healthSummary lists health events with their times and sinces.
func healthSummary(evs []*event.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Kind == event.KindHealth {
			fmt.Fprintf(&b, "\n  %s %s/%s since %s (%s)", ev.Time.Format("15:04:05.000"), ev.Health.Status, ev.Health.Reason, ev.Health.Since.Format("15:04:05.000"), ev.Health.Detail)
		}
	}
	return b.String()
}

// TestSupervisorStallEndsPromptly: a stalled camera answers every probe,
// so only a session can tell when its frames resume. With a backoff grown
// to 30 s the agent still keeps a session open (or opens the next within
// a probe interval), so the outage ends when the frames do.
func TestSupervisorStallEndsPromptly(t *testing.T) {
	t.Parallel()
	sim := startSim(t, simcam.Options{Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
	timing := testTiming()
	timing.ProbeInterval = time.Second
	timing.Backoff = []time.Duration{100 * time.Millisecond, 30 * time.Second}
	r := startSupervisor(t, Camera{ID: "c1", URL: sim.URL("c1")}, timing, nil)
	r.sink.await(t, 10*time.Second, "online", health(event.KindHealth, event.StatusOnline, ""))
	if err := sim.Fault("c1", simcam.Fault{Kind: simcam.FaultStall, For: 7 * time.Second}); err != nil {
		t.Fatal(err)
	}
	off := r.sink.await(t, 5*time.Second, "stalled", health(event.KindHealth, event.StatusOffline, event.ReasonStalled))
	back := r.sink.await(t, 20*time.Second, "back online", func(ev *event.Event) bool {
		return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline && ev.Seq > off.Seq
	})
	log, err := sim.StateLog("c1")
	if err != nil || len(log) != 3 || log[1].State != simcam.StateStalled {
		t.Fatalf("state log %+v, %v", log, err)
	}
	startErr, endErr := off.Health.Since.Sub(log[1].At), back.Health.Since.Sub(log[2].At)
	t.Logf("stall since %+.3fs, back since %+.3fs", startErr.Seconds(), endErr.Seconds())
	if startErr < -200*time.Millisecond || startErr > 100*time.Millisecond {
		t.Errorf("stall since %s from its start, want its last frame", startErr)
	}
	if endErr < -100*time.Millisecond || endErr > 1500*time.Millisecond {
		t.Errorf("back since %s after the frames resumed, want within a probe interval", endErr)
	}
}

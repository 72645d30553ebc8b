package simcam

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

func hostOf(t *testing.T, rtspURL string) string {
	t.Helper()
	u, err := url.Parse(rtspURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// dialErr dials the camera's port and closes the connection at once.
func dialErr(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

func refused(addr string) error {
	err := dialErr(addr)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("dial %s: %v, want connection refused", addr, err)
	}
	return nil
}

func state(s *Server) State { return s.Cameras()[0].State }

func waitClosed(t *testing.T, p *player, timeout time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatal("client session still open, want it closed by the server")
	}
}

func TestOfflineRefusesThenRecovers(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "static-320x240"}}})
	addr := hostOf(t, s.URL("cam"))
	p := mustPlay(t, s.URL("cam"))
	p.waitFrames(t, 3, 5*time.Second)

	if err := s.Fault("cam", Fault{Kind: FaultOffline, For: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := refused(addr); err != nil {
		t.Fatal(err)
	}
	if got := state(s); got != StateOffline {
		t.Errorf("state %s, want offline", got)
	}
	waitClosed(t, p, 3*time.Second)

	testenv.Eventually(t, 5*time.Second, func() error { return dialErr(addr) })
	if got := state(s); got != StateOnline {
		t.Errorf("state %s after the fault, want online", got)
	}
	mustPlay(t, s.URL("cam")).waitFrames(t, 3, 5*time.Second)
}

func TestStallKeepsSessionButSendsNothing(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "static-320x240"}}})
	p := mustPlay(t, s.URL("cam"))
	p.waitFrames(t, 3, 5*time.Second)

	stall := 1500 * time.Millisecond
	if err := s.Fault("cam", Fault{Kind: FaultStall, For: stall}); err != nil {
		t.Fatal(err)
	}
	if got := state(s); got != StateStalled {
		t.Errorf("state %s, want stalled", got)
	}
	before, _ := p.snapshot()
	time.Sleep(100 * time.Millisecond) // packets already queued may still arrive
	_, n0 := p.snapshot()
	time.Sleep(700 * time.Millisecond) // an absence can only be seen over a window
	_, n1 := p.snapshot()
	if n1 != n0 {
		t.Errorf("%d packets arrived during a stall", n1-n0)
	}
	select {
	case err := <-p.done:
		t.Fatalf("session closed during a stall: %v", err)
	default:
	}
	// RTSP keeps answering on the same port.
	if code, _ := rawDescribe(t, s.URL("cam")); code != 200 {
		t.Errorf("DESCRIBE during a stall: %d, want 200", code)
	}

	// Packets come back on the same session, with the clock having run on.
	after := p.waitFrames(t, len(before)+3, 5*time.Second)
	last, next := before[len(before)-1], after[len(before)]
	if gap := next.ts - last.ts; gap < uint32(stall.Seconds()*0.8*rtpClock) {
		t.Errorf("timestamp gap over the stall %d, want about %d", gap, int(stall.Seconds()*rtpClock))
	}
}

func TestFreezeRepeatsOnePicture(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "walk-320x240"}}})
	p := mustPlay(t, s.URL("cam"))
	p.waitFrames(t, 3, 5*time.Second)

	if err := s.Fault("cam", Fault{Kind: FaultFreeze, For: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if got := state(s); got != StateFrozen {
		t.Errorf("state %s, want frozen", got)
	}
	base, _ := p.snapshot()
	frames := p.waitFrames(t, len(base)+16, 3*time.Second)
	frozen := frames[len(base)+2:] // skip frames in flight when the fault began
	for i, f := range frozen {
		if !f.idr || !bytes.Equal(flat(f.au), flat(frozen[0].au)) {
			t.Fatalf("frozen frame %d differs from the first frozen frame (idr=%v)", i, f.idr)
		}
		if i > 0 && f.ts-frozen[i-1].ts != rtpPerFrame {
			t.Fatalf("frozen frame %d: timestamp step %d, want %d", i, f.ts-frozen[i-1].ts, rtpPerFrame)
		}
	}
	if d := frozen[len(frozen)-1].at.Sub(frozen[0].at); d < 700*time.Millisecond {
		t.Errorf("%d frozen frames in %s: not paced at %d fps", len(frozen), d, FPS)
	}
	// After the freeze, ordinary P-frames come back.
	testenv.Eventually(t, 5*time.Second, func() error {
		fs, _ := p.snapshot()
		if fs[len(fs)-1].idr {
			return errors.New("still only IDR frames")
		}
		return nil
	})
}

func TestRestartDropsEverythingForAboutASecond(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "dark-640x360"}}})
	addr := hostOf(t, s.URL("cam"))
	p := mustPlay(t, s.URL("cam"))
	p.waitFrames(t, 3, 5*time.Second)

	began := time.Now()
	if err := s.Fault("cam", Fault{Kind: FaultRestart}); err != nil {
		t.Fatal(err)
	}
	if err := refused(addr); err != nil {
		t.Fatal(err)
	}
	if got := state(s); got != StateRestarting {
		t.Errorf("state %s, want restarting", got)
	}
	waitClosed(t, p, 3*time.Second)
	testenv.Eventually(t, 5*time.Second, func() error { return dialErr(addr) })
	if d := time.Since(began); d < 800*time.Millisecond {
		t.Errorf("back after %s, want about %s", d, RestartDowntime)
	}
	mustPlay(t, s.URL("cam")).waitFrames(t, 3, 5*time.Second)
}

func TestClearEndsAnOpenEndedFault(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "dark-320x240"}}})
	addr := hostOf(t, s.URL("cam"))
	if err := s.Fault("cam", Fault{Kind: FaultOffline}); err != nil {
		t.Fatal(err)
	}
	if err := refused(addr); err != nil {
		t.Fatal(err)
	}
	if err := s.Fault("cam", Fault{Kind: FaultClear}); err != nil {
		t.Fatal(err)
	}
	if err := dialErr(addr); err != nil {
		t.Fatalf("after clear: %v", err)
	}
}

func TestScheduledFlapping(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "dark-320x240",
		OfflineEvery: 1200 * time.Millisecond, OfflineFor: 500 * time.Millisecond}}})
	addr := hostOf(t, s.URL("cam"))
	for range 2 { // two cycles
		testenv.Eventually(t, 3*time.Second, func() error { return refused(addr) })
		testenv.Eventually(t, 3*time.Second, func() error { return dialErr(addr) })
	}
}

func TestPortsFollowListen(t *testing.T) {
	// Find a free block by asking for one port and hoping the next ones
	// are free too; retry a few times on collisions.
	for try := 0; ; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		s, err := Start(t.Context(), Options{Listen: fmt.Sprintf("127.0.0.1:%d", port), Cameras: []Camera{
			{ID: "a", Clip: "dark-320x240"}, {ID: "b", Clip: "dark-320x240"}}})
		if err != nil {
			if try < 5 {
				continue
			}
			t.Fatal(err)
		}
		defer s.Close()
		for i, id := range []string{"a", "b"} {
			if want := fmt.Sprintf("rtsp://127.0.0.1:%d/%s", port+i, id); s.URL(id) != want {
				t.Errorf("URL(%s) = %s, want %s", id, s.URL(id), want)
			}
		}
		return
	}
}

func TestFaultErrors(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "dark-320x240"}}})
	cases := []struct {
		name string
		id   string
		f    Fault
		want error
	}{
		{name: "unknown camera", id: "nope", f: Fault{Kind: FaultStall}, want: ErrUnknownCamera},
		{name: "unknown kind", id: "cam", f: Fault{Kind: "explode"}, want: ErrBadFault},
		{name: "negative duration", id: "cam", f: Fault{Kind: FaultStall, For: -time.Second}, want: ErrBadFault},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Fault(tc.id, tc.f); !errors.Is(err, tc.want) {
				t.Errorf("Fault: %v, want %v", err, tc.want)
			}
		})
	}
	s.Close()
	if err := s.Fault("cam", Fault{Kind: FaultStall}); !errors.Is(err, ErrClosed) {
		t.Errorf("Fault after Close: %v, want ErrClosed", err)
	}
}

func flat(au [][]byte) []byte {
	var b []byte
	for _, n := range au {
		b = append(b, n...)
	}
	return b
}

// TestStateLogRecordsWhenFaultsTookEffect: the log is the ground truth of
// accuracy tests, so each entry must fall between the request and its
// return (offline: the listener is closed by then), and an offline fault
// that ends by itself must log the camera back when it listens again.
func TestStateLogRecordsWhenFaultsTookEffect(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: "static-320x240"}}})
	addr := hostOf(t, s.URL("cam"))
	before := time.Now()
	if err := s.Fault("cam", Fault{Kind: FaultOffline, For: 700 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	testenv.Eventually(t, 5*time.Second, func() error { return dialErr(addr) })
	backSeen := time.Now()
	if err := s.Fault("cam", Fault{Kind: FaultStall, For: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if st := state(s); st != StateOnline {
			return fmt.Errorf("state %s", st)
		}
		return nil
	})
	log, err := s.StateLog("cam")
	if err != nil {
		t.Fatal(err)
	}
	want := []State{StateOnline, StateOffline, StateOnline, StateStalled, StateOnline}
	if len(log) != len(want) {
		t.Fatalf("log %+v, want states %v", log, want)
	}
	for i, c := range log {
		if c.State != want[i] {
			t.Errorf("entry %d: %s, want %s", i, c.State, want[i])
		}
	}
	if off := log[1].At; off.Before(before) || off.After(after) {
		t.Errorf("offline logged at %s, outside the request %s..%s", off, before, after)
	}
	if back := log[2].At; back.Sub(log[1].At) < 700*time.Millisecond || back.After(backSeen) {
		t.Errorf("back logged %s after going offline (seen listening at +%s)", back.Sub(log[1].At), backSeen.Sub(log[1].At))
	}
	if d := log[4].At.Sub(log[3].At); d < 300*time.Millisecond || d > time.Second {
		t.Errorf("stall logged for %s, want 300ms", d)
	}
	if _, err := s.StateLog("nope"); !errors.Is(err, ErrUnknownCamera) {
		t.Errorf("log of an unknown camera: %v", err)
	}
}

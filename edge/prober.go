package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Limits on an RTSP response head read from a camera: real ones are a few
// hundred bytes, so anything longer is a broken or hostile peer.
const (
	maxResponseHead  = 16 << 10
	maxResponseLines = 64
)

// ErrNoAnswer: the camera accepted the TCP connection but did not answer
// an RTSP request in time (a hung RTSP server, or something else listening
// on the port).
var ErrNoAnswer = errors.New("camera accepted the connection but sent no RTSP answer")

// ErrNotRTSP: what came back is not an RTSP response.
var ErrNotRTSP = errors.New("answer is not an RTSP response")

// rtspResponse is the head of one RTSP response.
type rtspResponse struct {
	Code   int
	Header textproto.MIMEHeader
}

// readResponse reads one RTSP response head (status line and headers, up
// to the empty line) from r, bounded by maxResponseHead bytes and
// maxResponseLines lines, so a peer that talks for ever cannot hold the
// reader. The body, if any, is left in r.
func readResponse(r *bufio.Reader) (rtspResponse, error) {
	var resp rtspResponse
	read := 0
	line := func() ([]byte, error) {
		var out []byte
		for {
			chunk, err := r.ReadSlice('\n')
			read += len(chunk)
			if read > maxResponseHead {
				return nil, fmt.Errorf("%w: head longer than %d bytes", ErrNotRTSP, maxResponseHead)
			}
			out = append(out, chunk...)
			if err == nil {
				return bytes.TrimRight(out, "\r\n"), nil
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				if errors.Is(err, io.EOF) && len(out) > 0 {
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
		}
	}
	status, err := line()
	if err != nil {
		return resp, err
	}
	// RTSP/1.0 200 OK: version, a three-digit code, an optional phrase.
	proto, rest, _ := bytes.Cut(status, []byte(" "))
	code, _, _ := bytes.Cut(rest, []byte(" "))
	if !bytes.HasPrefix(proto, []byte("RTSP/")) || len(code) != 3 {
		return resp, fmt.Errorf("%w: status line %q", ErrNotRTSP, clip(status))
	}
	n, err := strconv.Atoi(string(code))
	if err != nil || n < 100 {
		return resp, fmt.Errorf("%w: status code %q", ErrNotRTSP, clip(code))
	}
	resp.Code = n
	resp.Header = textproto.MIMEHeader{}
	for lines := 0; ; lines++ {
		if lines == maxResponseLines {
			return resp, fmt.Errorf("%w: more than %d header lines", ErrNotRTSP, maxResponseLines)
		}
		l, err := line()
		if err != nil {
			return resp, err
		}
		if len(l) == 0 {
			return resp, nil
		}
		k, v, ok := bytes.Cut(l, []byte(":"))
		k = bytes.TrimSpace(k)
		if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
			return resp, fmt.Errorf("%w: header line %q", ErrNotRTSP, clip(l))
		}
		resp.Header.Add(textproto.CanonicalMIMEHeaderKey(string(k)), string(bytes.TrimSpace(v)))
	}
}

// clip shortens a quoted piece of a peer's answer for an error message.
func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// probeOptions asks the camera whether its RTSP server is up: a TCP
// connect (TLS for rtsps) and one OPTIONS request, without credentials
// (any RTSP status, 401 included, means the server answers). It is what
// the supervisor runs every ProbeInterval while a camera is offline,
// because a full reconnect (DESCRIBE, SETUP, PLAY, a keyframe) is too
// costly to repeat that often, but waiting out a 30 s backoff would report
// every outage up to 30 s too long. The connect gets connectTimeout (short,
// so a camera still booting is asked afresh each interval rather than
// through the kernel's growing SYN retries), the answer answerTimeout. One
// probe holds one connection; the caller never runs two at once.
func probeOptions(ctx context.Context, streamURL string, connectTimeout, answerTimeout time.Duration) (int, error) {
	u, err := url.Parse(streamURL)
	if err != nil {
		return 0, fmt.Errorf("probe: unparsable url")
	}
	u.User = nil
	host := u.Host
	if u.Port() == "" {
		port := "554"
		if u.Scheme == "rtsps" {
			port = "322"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: connectTimeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return 0, err
	}
	defer func() { conn.Close() }()
	actx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	stop := context.AfterFunc(actx, func() { conn.Close() })
	defer stop()
	deadline, _ := actx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return 0, err
	}
	if u.Scheme == "rtsps" {
		// Only liveness is asked: no credentials are sent and nothing
		// the peer says is trusted, so its certificate is not checked
		// here (the full dial does that).
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: true}) //nolint:gosec // liveness only
		conn = tc
	}
	req := "OPTIONS " + u.String() + " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camwatch-probe\r\n\r\n"
	if _, err = io.WriteString(conn, req); err == nil {
		var resp rtspResponse
		resp, err = readResponse(bufio.NewReaderSize(conn, 4096))
		if err == nil {
			return resp.Code, nil
		}
	}
	var ne net.Error
	switch {
	case errors.Is(err, ErrNotRTSP):
		return 0, err
	case errors.Is(ctx.Err(), context.Canceled):
		return 0, ctx.Err()
	case actx.Err() != nil, errors.As(err, &ne) && ne.Timeout(), errors.Is(err, net.ErrClosed):
		return 0, fmt.Errorf("%w within %s", ErrNoAnswer, answerTimeout)
	}
	return 0, err
}

// waitRetry waits before the next full reconnect and reports false when
// ctx ended. Meanwhile the camera is probed every ProbeInterval
// (probeOptions, one probe at a time):
//
//   - a camera seen unreachable (unreachable, or a probe failed since) is
//     redialled as soon as a probe gets an answer, whatever the backoff,
//     so a camera back from an outage of any length is streaming again
//     within about one interval instead of at the end of a backoff step
//     of up to 30 s; and it is not dialled at all while probes fail,
//     since the dial could only fail the same way, more slowly, holding
//     a second connection to a camera that may allow only a few;
//   - a camera that answers every probe but fails later in the handshake
//     (a wrong password, a refused DESCRIBE, no keyframe) waits out the
//     whole jittered backoff step, so it is not redialled in a storm.
func (s *Supervisor) waitRetry(ctx context.Context, wait time.Duration, unreachable bool) bool {
	s.answered = time.Time{}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	// A camera known unreachable was just asked; any other is asked at
	// once whether it still answers, before the backoff ends.
	first := time.Duration(0)
	if unreachable {
		first = probeJitter(s.timing.ProbeInterval)
	}
	next := time.NewTimer(first)
	defer next.Stop()
	pctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends a probe still running
	type result struct {
		err error
		at  time.Time
	}
	results := make(chan result, 1)
	probing, expired := false, false
	for {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			// Never dial beside a probe still waiting for its answer: its
			// result decides.
			if !unreachable && !probing {
				return true
			}
			expired = true
		case <-next.C:
			probing = true
			s.bg.Add(1)
			go func() {
				defer s.bg.Done()
				_, err := s.probe(pctx, s.cam.streamURL(), s.probeConnectTimeout(), s.timing.ReadTimeout)
				results <- result{err, time.Now()}
			}()
		case r := <-results:
			probing = false
			if err := r.err; err == nil {
				s.cm.probes.answered.Inc()
				if unreachable || expired {
					s.log.Debug("camera answers; reconnecting now")
					s.answered = r.at
					return true
				}
			} else {
				s.cm.probes.failed.Inc()
				unreachable = true
				s.probeFailed(r.err)
			}
			next.Reset(probeJitter(s.timing.ProbeInterval))
		case <-s.stats:
			s.emitStats(time.Now()) // not the tick's time (see the watchdog)
		}
	}
}

// probeConnectTimeout bounds a probe's TCP connect: the interval, so a
// camera that is powered back on is asked again each interval, and never
// more than the dial timeout.
func (s *Supervisor) probeConnectTimeout() time.Duration {
	return min(s.timing.ProbeInterval, s.timing.DialTimeout)
}

// probeFailed names the current reason an offline camera cannot be
// reached (a dropped session becomes refused once the camera is off);
// goOffline emits only when the reason changes.
func (s *Supervisor) probeFailed(err error) {
	if s.status != event.StatusOffline {
		return
	}
	s.goOffline(time.Now(), classify(err), err)
}

// probeJitter spreads a probe interval by +-10%, so the cameras behind one
// failed switch do not all probe in step.
func probeJitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

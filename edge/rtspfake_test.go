package edge

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCamera is a scripted RTSP server on a loopback port for the hostile
// and broken cameras of the fuzz and bad-input tests: each request method
// gets the answer its function returns (raw bytes, sent as they are), and
// after PLAY the stream function writes whatever it likes to the socket.
type fakeCamera struct {
	ln net.Listener
	// answer returns the raw answer to a request; nil closes the
	// connection without one.
	answer func(method string, cseq string) []byte
	// stream writes the interleaved data after PLAY; the connection is
	// closed when it returns.
	stream func(c net.Conn)
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

func startFakeCamera(t testing.TB, answer func(method, cseq string) []byte, stream func(net.Conn)) *fakeCamera {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCamera{ln: ln, answer: answer, stream: stream}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *fakeCamera) url() string { return "rtsp://" + f.ln.Addr().String() + "/cam" }

func (f *fakeCamera) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer c.Close()
			f.conn(c)
		}()
	}
}

func (f *fakeCamera) conn(c net.Conn) {
	tp := textproto.NewReader(bufio.NewReader(c))
	for {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		method, _, _ := strings.Cut(line, " ")
		a := f.answer(method, hdr.Get("Cseq"))
		if a == nil {
			return
		}
		if _, err := c.Write(a); err != nil {
			return
		}
		if method == "PLAY" {
			if f.stream != nil {
				f.stream(c)
			}
			return
		}
	}
}

// rtspOK is a 200 answer with extra header lines and a body.
func rtspOK(cseq string, headers []string, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "RTSP/1.0 200 OK\r\nCSeq: %s\r\n", cseq)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

// sdpH264 and sdpH265 are the SDPs of a normal one-track camera; the
// parameter sets are those of simcam's clips (H.264) and of x265 at
// 640x360 (H.265).
var (
	h264SPS = mustB64("Z01ADNkBQfsBEAAAAwAQAAADAeDxQqSA")
	h264PPS = mustB64("aOvDSyA=")
	h265VPS = mustB64("QAEMAf//AWAAAAMAkAAAAwAAAwA/koCQ")
	h265SPS = mustB64("QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWllkqSTK8BacIAAAAMAgAAAB4Q=")
	h265PPS = mustB64("RAHBcrRiQA==")
)

func mustB64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func sdpFor(codec string, fmtp string) string {
	enc := "H264"
	if codec == "h265" {
		enc = "H265"
	}
	s := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 " + enc + "/90000\r\n"
	if fmtp != "" {
		s += "a=fmtp:96 " + fmtp + "\r\n"
	}
	return s + "a=control:trackID=0\r\n"
}

func sdpH264() string {
	return sdpFor("h264", "packetization-mode=1;sprop-parameter-sets="+
		base64.StdEncoding.EncodeToString(h264SPS)+","+base64.StdEncoding.EncodeToString(h264PPS))
}

func sdpH265() string {
	e := base64.StdEncoding.EncodeToString
	return sdpFor("h265", "sprop-vps="+e(h265VPS)+";sprop-sps="+e(h265SPS)+";sprop-pps="+e(h265PPS))
}

// normalAnswers answers like a camera serving sdp; the session and
// transport headers are what vdk needs to go on.
func normalAnswers(sdp string) func(method, cseq string) []byte {
	return func(method, cseq string) []byte {
		switch method {
		case "OPTIONS":
			return rtspOK(cseq, []string{"Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"}, "")
		case "DESCRIBE":
			return rtspOK(cseq, []string{"Content-Type: application/sdp"}, sdp)
		case "SETUP":
			return rtspOK(cseq, []string{"Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 1234;timeout=60"}, "")
		case "PLAY":
			return rtspOK(cseq, []string{"Session: 1234"}, "")
		}
		return rtspOK(cseq, nil, "")
	}
}

// rtpPacket frames one RTP packet on interleaved channel 0.
func rtpPacket(seq uint16, ts uint32, marker bool, payload []byte) []byte {
	b := make([]byte, 4+12, 4+12+len(payload))
	n := 12 + len(payload)
	b[0], b[1], b[2], b[3] = '$', 0, byte(n>>8), byte(n)
	b[4] = 0x80
	b[5] = 96
	if marker {
		b[5] |= 0x80
	}
	b[6], b[7] = byte(seq>>8), byte(seq)
	b[8], b[9], b[10], b[11] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	b[12], b[13], b[14], b[15] = 0, 0, 0, 1 // SSRC
	return append(b, payload...)
}

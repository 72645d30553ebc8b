package edge

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/deepch/vdk/format/rtsp/sdp"
	"github.com/deepch/vdk/format/rtspv2"
)

// The fuzz tests feed hostile input to the three parsers of the RTSP
// client (the patched vdk copy in third_party/vdk): the RTSP answer
// parser, the SDP parser and the interleaved RTP depacketiser. A panic in
// any of them would take the whole edge agent down, so the only property
// is: no panic, and a bounded time for every input. Seeds are the named
// bad-input cases of issue 11.

// FuzzSDP parses hostile session descriptions.
func FuzzSDP(f *testing.F) {
	for _, s := range []string{
		sdpH264(), sdpH265(),
		sdpFor("h265", "sprop-vps=QA==;sprop-sps=Qg==;sprop-pps=RA=="),
		sdpFor("h264", "sprop-parameter-sets=Z0I=,aA=="),
		sdpFor("h264", "sprop-parameter-sets=,,,"),
		"m=video\r\na=rtpmap:\r\na=fmtp:96 ;;;=;sprop-vps=%%%\r\n",
		"m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\na=fmtp:97 config=zz;sizelength=-1\r\n",
		"a=x-framerate: 25\r\nm=video 0 RTP/AVP\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sdp.Parse(s)
	})
}

// FuzzRTSPAnswer dials a camera whose DESCRIBE answer is the fuzzer's
// bytes (the other requests get normal answers): negative and huge
// Content-Length, endless headers, a body cut short, SDPs whose parameter
// sets are too short to parse.
func FuzzRTSPAnswer(f *testing.F) {
	ok := func(headers string, body string) string {
		return "RTSP/1.0 200 OK\r\nCSeq: 2\r\n" + headers + "\r\n" + body
	}
	for _, s := range []string{
		ok("Content-Length: -1\r\n", ""),
		ok("Content-Length: 99999999999\r\n", ""),
		ok("Content-Length: 2147483648\r\n", "v=0"),
		ok("Content-length: 500\r\n", "v=0\r\nm=video 0 RTP/AVP 96\r\n"), // closes mid-body
		ok("Content-Length: 0\r\n", ""),
		ok("WWW-Authenticate: Digest realm=\"x\r\n", ""),
		ok("Content-Length: 80\r\n", sdpFor("h265", "sprop-vps=QAE=;sprop-sps=QgE=;sprop-pps=RAE=")),
		ok("Content-Length: 72\r\n", sdpFor("h264", "sprop-parameter-sets=Z0I=,aA==")),
		"RTSP/1.0 200 OK\r\n" + string(make([]byte, 5000)),
		"garbage\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		if len(answer) > 1<<16 {
			return
		}
		normal := normalAnswers(sdpH264())
		cam := startFakeCamera(t, func(method, cseq string) []byte {
			if method == "DESCRIBE" {
				return answer
			}
			return normal(method, cseq)
		}, nil)
		c, err := rtspv2.Dial(rtspv2.RTSPClientOptions{URL: cam.url(), DialTimeout: time.Second, ReadWriteTimeout: 300 * time.Millisecond, DisableAudio: true})
		if err == nil {
			c.Close()
		}
	})
}

// FuzzRTPDepacketiser feeds interleaved RTP packets to a session's
// depacketiser: the fuzzer's bytes are cut into packets by a 2-byte
// length before each (a length under 12, the RTP header, ends the input,
// as vdk's reader refuses such a packet before the depacketiser sees it).
// The first byte picks the codec and the channel.
func FuzzRTPDepacketiser(f *testing.F) {
	pkt := func(marker bool, ts uint32, payload ...byte) []byte {
		p := rtpPacket(1, ts, marker, payload)[4:]
		return append(binary.BigEndian.AppendUint16(nil, uint16(len(p))), p...)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	padded := func(n byte) []byte { // issue 11: 24 bytes, padding bit, padding length n
		p := make([]byte, 24)
		p[0], p[1] = 0xa0, 96
		p[23] = n
		return append([]byte{0, 24}, p...)
	}
	for _, s := range [][]byte{
		cat([]byte{0}, padded(12)),
		cat([]byte{1}, padded(12)),
		cat([]byte{0}, padded(255)),
		cat([]byte{0}, pkt(true, 1, 0x65, 0x88, 0x80)), // H.264 IDR
		cat([]byte{0}, pkt(false, 1, 0x7c, 0x85, 1, 2), pkt(true, 1, 0x7c, 0x45, 3)), // FU-A
		cat([]byte{0}, pkt(true, 1, 0x7c)),                                           // FU-A, 1 byte
		cat([]byte{0}, pkt(true, 1, 0x18, 0, 0, 0, 1)),                               // STAP-A, size 0
		cat([]byte{0}, pkt(true, 1, 0x18, 0, 3, 0x65, 0x88, 0x80, 0, 2, 0x67, 0x42)), // STAP-A IDR, short SPS
		cat([]byte{0}, pkt(true, 1, 0x67, 0x42, 0x00)),                               // SPS of 3 bytes
		cat([]byte{1}, pkt(true, 1, 0x62, 0x01, 0x94)),                               // H.265 FU start
		cat([]byte{1}, pkt(true, 1, 0x62, 0x01, 0x54, 9)),                            // H.265 FU end without start
		cat([]byte{1}, pkt(true, 1, 0x60, 0x01, 0, 3, 0x42, 0x01, 0x01)),             // H.265 AP with a short SPS
		cat([]byte{1}, pkt(true, 1, 0x40, 0x01, 0x0c), pkt(true, 1, 0x42, 0x01, 0x01), pkt(true, 1, 0x44, 0x01, 0xc1)),
		cat([]byte{1}, pkt(true, 1, 0x28, 0x01, 0xaf)),                                                // IDR_N_LP
		cat([]byte{0}, []byte{0, 16, 0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff}), // extension past the end
		cat([]byte{0}, []byte{0, 12, 0x8f, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}),                         // 15 CSRCs in 12 bytes
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 || len(data) > 1<<16 {
			return
		}
		sel := data[0]
		data = data[1:]
		s := sdpH264()
		if sel&1 == 1 {
			s = sdpH265()
		}
		cam := startFakeCamera(t, normalAnswers(s), func(c net.Conn) {
			// Stay quiet: the test drives the depacketiser itself.
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			c.Read(make([]byte, 1))
		})
		c, err := rtspv2.Dial(rtspv2.RTSPClientOptions{URL: cam.url(), DialTimeout: time.Second, ReadWriteTimeout: time.Second, DisableAudio: true})
		if err != nil {
			t.Fatalf("dial the fake camera: %v", err)
		}
		defer c.Close()
		done := make(chan struct{})
		defer close(done)
		go func() { // codec updates must not block the depacketiser
			for {
				select {
				case <-c.Signals:
				case <-done:
					return
				}
			}
		}()
		ch := (sel >> 1) & 1
		for len(data) >= 2 {
			n := int(binary.BigEndian.Uint16(data))
			data = data[2:]
			if n < 12 || n > len(data) {
				return
			}
			content := append([]byte{'$', ch, byte(n >> 8), byte(n)}, data[:n]...)
			data = data[n:]
			c.RTPDemuxer(&content)
		}
	})
}

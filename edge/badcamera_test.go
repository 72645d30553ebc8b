package edge

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// clipStream is how a fake camera sends a clip: which RTP timestamp frame
// i gets, whether it sets the marker, whether parameter sets travel in
// band, and a second clip to switch to after switchAt frames (its
// parameter sets change mid-stream).
type clipStream struct {
	clip, then string
	hevc       bool
	switchAt   int
	ts         func(i int) uint32
	marker     bool
	noParams   bool // strip VPS/SPS/PPS from the stream (SDP only)
}

func clipAUs(t *testing.T, name string, hevc bool) [][]byte {
	t.Helper()
	b, err := simcam.ClipData(name)
	if err != nil {
		t.Fatal(err)
	}
	c := decode.H264
	if hevc {
		c = decode.H265
	}
	return decode.SplitAccessUnits(b, c)
}

// nalsOf splits an Annex-B access unit into NAL units.
func nalsOf(au []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+2 < len(au); i++ {
		if au[i] == 0 && au[i+1] == 0 && au[i+2] == 1 {
			if start >= 0 {
				out = append(out, trimZeros(au[start:i]))
			}
			start = i + 3
		}
	}
	if start >= 0 {
		out = append(out, au[start:])
	}
	return out
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// packetize turns one NAL unit into RTP payloads: single, or fragments
// (FU-A, H.265 FU) above 1200 bytes.
func packetize(nal []byte, hevc bool) [][]byte {
	const max = 1200
	if len(nal) <= max {
		return [][]byte{nal}
	}
	var out [][]byte
	hdr := 1
	if hevc {
		hdr = 2
	}
	body := nal[hdr:]
	for i := 0; len(body) > 0; i++ {
		n := min(len(body), max)
		var p []byte
		if hevc {
			t := (nal[0] >> 1) & 0x3f
			fu := t
			if i == 0 {
				fu |= 0x80
			}
			if n == len(body) {
				fu |= 0x40
			}
			p = []byte{(nal[0] & 0x81) | 49<<1, nal[1], fu}
		} else {
			fu := nal[0] & 0x1f
			if i == 0 {
				fu |= 0x80
			}
			if n == len(body) {
				fu |= 0x40
			}
			p = []byte{nal[0]&0xe0 | 28, fu}
		}
		out = append(out, append(p, body[:n]...))
		body = body[n:]
	}
	return out
}

func isParamSet(nal []byte, hevc bool) bool {
	if hevc {
		t := (nal[0] >> 1) & 0x3f
		return t >= 32 && t <= 34
	}
	t := nal[0] & 0x1f
	return t == 7 || t == 8
}

// streamer sends the clip at 15 fps over the interleaved connection until
// the connection fails.
func (cs clipStream) streamer(t *testing.T) func(net.Conn) {
	first := clipAUs(t, cs.clip, cs.hevc)
	var second [][]byte
	if cs.then != "" {
		second = clipAUs(t, cs.then, cs.hevc)
	}
	return func(c net.Conn) {
		tick := time.NewTicker(time.Second / 15)
		defer tick.Stop()
		seq := uint16(0)
		for i := 0; i < 15*60; i++ {
			aus := first
			if second != nil && i >= cs.switchAt {
				aus = second
			}
			au := aus[i%len(aus)]
			nals := nalsOf(au)
			var b []byte
			for k, nal := range nals {
				if cs.noParams && isParamSet(nal, cs.hevc) {
					continue
				}
				pkts := packetize(nal, cs.hevc)
				for j, p := range pkts {
					seq++
					last := k == len(nals)-1 && j == len(pkts)-1
					b = append(b, rtpPacket(seq, cs.ts(i), cs.marker && last, p)...)
				}
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(b); err != nil {
				return
			}
			<-tick.C
		}
	}
}

func steadyTS(i int) uint32 { return 90000/15*uint32(i) + 1000 }

// TestBadCameras plays broken and unusual streams from a scripted camera
// to a pixel camera: each case says what its health must show.
func TestBadCameras(t *testing.T) {
	// Not parallel with the other tests: heavy (H.265 at 640x360, several
	// streams), and the timing tests beside it would pay for it.
	cases := []struct {
		name string
		sdp  string
		cs   clipStream
		// health must eventually match; frames must be decoded unless
		// noDecode.
		check    func(h *event.Health) bool
		want     string
		noDecode bool
	}{
		{
			name: "constant RTP timestamps, no marker", sdp: sdpH264(),
			cs: clipStream{clip: "walk-320x240", ts: func(int) uint32 { return 4242 }},
			check: func(h *event.Health) bool {
				return h.Status == event.StatusOnline && h.Reason == "" && h.FPS > 12 && strings.Contains(h.Detail, "timestamps: broken")
			},
			want: "online, about 15 fps, detail timestamps: broken",
		},
		{
			name: "timestamps jumping backwards, marker set", sdp: sdpH264(),
			cs: clipStream{clip: "walk-320x240", marker: true, ts: func(i int) uint32 {
				return uint32(1_000_000 - 3000*(i%7)*(i%3))
			}},
			check: func(h *event.Health) bool {
				return h.Status == event.StatusOnline && h.FPS > 12 && strings.Contains(h.Detail, "timestamps: broken")
			},
			want: "online, about 15 fps, detail timestamps: broken",
		},
		{
			name: "h265 parameter sets only in band", sdp: sdpFor("h265", ""),
			cs: clipStream{clip: "walk-640x360-h265", hevc: true, marker: true, ts: steadyTS},
			check: func(h *event.Health) bool {
				return h.Status == event.StatusOnline && h.Codec == "h265" && h.Width == 640 && h.FPS > 12 && h.Reason == ""
			},
			want: "online h265 640 wide, 15 fps",
		},
		{
			name: "h265 parameter sets only in the SDP", sdp: sdpH265(),
			cs: clipStream{clip: "walk-640x360-h265", hevc: true, marker: true, noParams: true, ts: steadyTS},
			check: func(h *event.Health) bool {
				return h.Status == event.StatusOnline && h.Codec == "h265" && h.FPS > 12 && h.Reason == ""
			},
			want: "online h265, 15 fps",
		},
		{
			name: "h264 parameter sets changing mid-stream (640x360 -> 320x240)", sdp: sdpH264(),
			cs: clipStream{clip: "walk-640x360", then: "static-320x240", switchAt: 60, marker: true, ts: steadyTS},
			check: func(h *event.Health) bool {
				return h.Status == event.StatusOnline && h.Width == 320 && h.Height == 240 && h.Reason == ""
			},
			want: "online at 320x240 after the switch",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cam := startFakeCamera(t, normalAnswers(tc.sdp), tc.cs.streamer(t))
			r := startSupervisor(t, Camera{ID: "bad", URL: cam.url(), Detect: pixelTierConfig(false)}, testTiming(), nil)
			defer r.stop()
			r.sink.await(t, 20*time.Second, tc.want, func(ev *event.Event) bool {
				return ev.Health != nil && ev.Kind == event.KindStats && tc.check(ev.Health)
			})
			if tc.noDecode {
				return
			}
			testenv.Eventually(t, 10*time.Second, func() error {
				if counterValue(t, r.det().Frames) == 0 {
					return errors.New("no frame decoded")
				}
				return nil
			})
		})
	}
}

func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// TestNotWatched: a camera that is connected but not watched says so in
// its health (online, with the reason) and in the not-watched gauge, and
// says so no longer once it is watched again: packets but no frames
// (only AUDs after the first keyframe), a decoder that refuses everything,
// a decoder that cannot be opened, a flat compressed signal on a
// compressed-only camera.
func TestNotWatched(t *testing.T) {
	// Not parallel with the other tests: heavy (H.265 at 640x360, several
	// streams), and the timing tests beside it would pay for it.
	audOnly := func(c net.Conn) {
		idr := clipAUs(t, "walk-320x240", false)[0]
		var b []byte
		seq := uint16(0)
		for _, nal := range nalsOf(idr) {
			for _, p := range packetize(nal, false) {
				seq++
				b = append(b, rtpPacket(seq, 1000, false, p)...)
			}
		}
		c.Write(b)
		tick := time.NewTicker(time.Second / 15)
		defer tick.Stop()
		for i := 1; i < 15*60; i++ {
			<-tick.C
			seq++
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(rtpPacket(seq, uint32(1000+6000*i), true, []byte{0x09, 0x10})); err != nil {
				return
			}
		}
	}
	walk := clipStream{clip: "walk-320x240", marker: true, ts: steadyTS}
	cases := []struct {
		name   string
		stream func(net.Conn)
		cam    func(url string) Camera
		reason event.Reason
	}{
		{"packets but no frames", audOnly, func(u string) Camera { return Camera{ID: "nf", URL: u} }, event.ReasonNoFrames},
		{"decoder refuses everything", walk.streamer(t), func(u string) Camera {
			return Camera{ID: "ud", URL: u, Detect: pixelTierConfig(false), openDecoder: func(decode.Config) (detect.Decoder, error) { return refusingDecoder{closed: new(int)}, nil }}
		}, event.ReasonUndecodable},
		{"no decoder", walk.streamer(t), func(u string) Camera {
			return Camera{ID: "na", URL: u, Detect: pixelTierConfig(false), openDecoder: func(decode.Config) (detect.Decoder, error) {
				return nil, decode.ErrUnavailable
			}}
		}, event.ReasonDetectionUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cam := startFakeCamera(t, normalAnswers(sdpH264()), tc.stream)
			c := tc.cam(cam.url())
			r := startSupervisor(t, c, testTiming(), nil)
			defer r.stop()
			ev := r.sink.await(t, 20*time.Second, string(tc.reason), func(ev *event.Event) bool {
				return ev.Kind == event.KindHealth && ev.Health.Status == event.StatusOnline && ev.Health.Reason == tc.reason
			})
			if ev.Health.Detail == "" {
				t.Errorf("reason %s without a detail", tc.reason)
			}
			testenv.Eventually(t, 5*time.Second, func() error {
				if v := gaugeValue(t, r.sup.cm.degraded(tc.reason)); v != 1 {
					return errors.New("not-watched gauge not set")
				}
				return nil
			})
			t.Logf("%s: %s (%s)", c.ID, ev.Health.Reason, ev.Health.Detail)
		})
	}
}

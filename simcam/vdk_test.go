package simcam

import (
	"net/url"
	"testing"
	"time"

	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/format/rtspv2"
)

// The edge agent reads cameras with vdk's rtspv2 client and exactly these
// options, so simcam must satisfy its quirks: sprop-parameter-sets in the
// SDP, Content-Base, TCP interleaving, and IDRs it flags as keyframes (never
// aggregated into STAP-A, even for the tiny IDRs of the dark clip).
func TestVDKClientReceivesKeyframes(t *testing.T) {
	cases := []struct {
		name, clip, user, method string
	}{
		{name: "no auth", clip: "walk-640x360"},
		{name: "digest", clip: "static-320x240", user: "viewer", method: "digest"},
		{name: "basic", clip: "static-640x360", user: "viewer", method: "basic"},
		{name: "dark clip with small IDRs", clip: "dark-320x240"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{Cameras: []Camera{{ID: "cam", Clip: tc.clip}}, AuthMethod: tc.method}
			if tc.user != "" {
				opts.Username, opts.Password = tc.user, "s3cret-pw"
			}
			s := start(t, opts)
			u, _ := url.Parse(s.URL("cam"))
			if tc.user != "" {
				u.User = url.UserPassword(tc.user, "s3cret-pw")
			}
			c, err := rtspv2.Dial(rtspv2.RTSPClientOptions{URL: u.String(), DialTimeout: 3 * time.Second, ReadWriteTimeout: 3 * time.Second, DisableAudio: true})
			if err != nil {
				t.Fatalf("vdk dial: %v", err)
			}
			defer c.Close()
			if len(c.CodecData) == 0 {
				t.Fatal("vdk: no codec data")
			}
			cd, ok := c.CodecData[0].(h264parser.CodecData)
			info, _ := LookupClip(tc.clip)
			if !ok || cd.Width() != info.Width || cd.Height() != info.Height {
				t.Fatalf("vdk codec data %T %dx%d, want H.264 %dx%d", c.CodecData[0], cd.Width(), cd.Height(), info.Width, info.Height)
			}
			keyframes, pkts := 0, 0
			var last time.Duration
			timeout := time.After(6 * time.Second)
			for keyframes < 2 {
				select {
				case pkt := <-c.OutgoingPacketQueue:
					pkts++
					if pkt.IsKeyFrame {
						keyframes++
					}
					if pkts > 1 && pkt.Time <= last {
						t.Fatalf("packet %d: time %s not after %s", pkts, pkt.Time, last)
					}
					last = pkt.Time
				case sig := <-c.Signals:
					if sig == rtspv2.SignalStreamRTPStop {
						t.Fatal("vdk: stream stopped")
					}
				case <-timeout:
					t.Fatalf("after %d packets, %d keyframes; want 2", pkts, keyframes)
				}
			}
			if pkts < 20 {
				t.Errorf("only %d packets between two keyframes 2 s apart", pkts)
			}
		})
	}
}

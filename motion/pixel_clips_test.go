package motion

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/simcam"
)

// detectFPS and detectWidth are the edge agent's detect-rate defaults.
const (
	detectFPS   = 5
	detectWidth = 320
)

// decodeGray decodes a raw H.264 or H.265 clip with ffmpeg into gray frames at the
// detect rate and width, as the edge's decoder will hand them over.
func decodeGray(t *testing.T, info simcam.ClipInfo) (frames [][]byte, w, h int) {
	t.Helper()
	data, err := simcam.ClipData(info.Name)
	if err != nil {
		t.Fatal(err)
	}
	w, h = detectWidth, info.Height*detectWidth/info.Width
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	demuxer := "h264"
	if info.Codec == "h265" {
		demuxer = "hevc"
	}
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error",
		"-f", demuxer, "-framerate", fmt.Sprint(info.FPS), "-i", "pipe:0",
		"-vf", fmt.Sprintf("fps=%d,scale=%d:%d", detectFPS, w, h),
		"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
	cmd.Stdin = bytes.NewReader(data)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr.String())
	}
	raw := out.Bytes()
	for len(raw) >= w*h {
		frames = append(frames, raw[:w*h])
		raw = raw[w*h:]
	}
	if want := int(info.Seconds * detectFPS); len(frames) < want-1 || len(frames) > want+1 {
		t.Fatalf("decoded %d frames, want %d", len(frames), want)
	}
	return frames, w, h
}

// TestPixelRecordedClips runs the pixel detector at the detect rate over
// every committed clip, played twice in a row as simcam loops it: the walk
// clips give one interval per play that starts within two detect frames
// of the person appearing and ends near their exit; the static, dark and
// busy (heavy grain) clips give no motion and no lighting change. It
// needs ffmpeg to decode and skips without it.
func TestPixelRecordedClips(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: cannot decode the clips")
	}
	clips := simcam.Clips()
	if len(clips) == 0 {
		t.Fatal("simcam lists no clips")
	}
	const loops = 2
	// onset: Started may come at most two detect frames after the truth.
	const onset = 2 * time.Second / detectFPS
	for _, info := range clips {
		t.Run(info.Name, func(t *testing.T) {
			frames, w, h := decodeGray(t, info)
			d, err := NewPixel(PixelConfig{})
			if err != nil {
				t.Fatal(err)
			}
			period := time.Duration(len(frames)) * time.Second / detectFPS
			at := func(i int) time.Time { return pxT0.Add(time.Duration(i) * time.Second / detectFPS) }
			type interval struct{ from, to time.Duration }
			var got []interval
			var from time.Duration
			var lighting, moving int
			for i := range loops * len(frames) {
				res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: frames[i%len(frames)], Time: at(i)})
				if res.Status == Lighting {
					lighting++
				}
				if res.Moving {
					moving++
				}
				if !ok {
					continue
				}
				if tr.Kind == Start {
					from = tr.Started.Sub(pxT0)
					continue
				}
				got = append(got, interval{from, tr.At.Sub(pxT0)})
			}
			if tr, ok := d.Stop(); ok {
				got = append(got, interval{from, tr.At.Sub(pxT0)})
			}
			t.Logf("intervals %v, moving frames %d, lighting frames %d", got, moving, lighting)
			if lighting != 0 {
				t.Errorf("%d frames taken for lighting changes", lighting)
			}
			var truths [][2]time.Duration
			for l := range loops {
				for _, m := range info.Motion {
					off := time.Duration(l) * period
					truths = append(truths, [2]time.Duration{
						off + time.Duration(m[0]*float64(time.Second)),
						off + time.Duration(m[1]*float64(time.Second)),
					})
				}
			}
			if len(got) != len(truths) {
				t.Fatalf("detected %v, ground truth %v", got, truths)
			}
			for i, truth := range truths {
				g := got[i]
				if g.from < truth[0] || g.from > truth[0]+onset {
					t.Errorf("interval %v starts more than %v after the truth %v", g, onset, truth)
				}
				if g.to < truth[1]-time.Second || g.to > truth[1]+onset {
					t.Errorf("interval %v does not end with the truth %v", g, truth)
				}
			}
		})
	}
}

// TestPixelClipLightsSwitch splices the committed day and night clips of
// the same street, as if the street lights failed and came back (or the
// IR filter switched): the switch is taken for lighting, never motion.
func TestPixelClipLightsSwitch(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: cannot decode the clips")
	}
	for _, size := range []string{"320x240", "640x360"} {
		day, ok1 := simcam.LookupClip("static-" + size)
		night, ok2 := simcam.LookupClip("dark-" + size)
		if !ok1 || !ok2 {
			t.Fatalf("clips static-%s and dark-%s missing", size, size)
		}
		dayFrames, w, h := decodeGray(t, day)
		nightFrames, _, _ := decodeGray(t, night)
		cases := []struct {
			name  string
			parts [][][]byte
		}{
			{"lights off", [][][]byte{dayFrames[:50], nightFrames[:40]}},
			{"lights on", [][][]byte{nightFrames[:50], dayFrames[:40]}},
			{"off and on", [][][]byte{dayFrames[:50], nightFrames[:25], dayFrames[:40]}},
		}
		for _, tc := range cases {
			t.Run(size+"/"+tc.name, func(t *testing.T) {
				d, err := NewPixel(PixelConfig{})
				if err != nil {
					t.Fatal(err)
				}
				var i, lighting int
				for _, part := range tc.parts {
					for _, f := range part {
						res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: f, Time: pxAt(i)})
						i++
						if ok || res.Moving {
							t.Fatalf("frame %d: moving %v, transition %+v", i, res.Moving, tr)
						}
						if res.Status == Lighting {
							lighting++
						}
					}
				}
				if want := len(tc.parts) - 1; lighting < want {
					t.Errorf("%d lighting frames for %d switches", lighting, want)
				}
			})
		}
	}
}

// TestPixelClipZonesAndMasks: on the walk clip, the person crosses both
// halves of the sidewalk zones but never the sky, and a mask over the
// sidewalk band hides them completely.
func TestPixelClipZonesAndMasks(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed: cannot decode the clips")
	}
	info, ok := simcam.LookupClip("walk-320x240")
	if !ok {
		t.Fatal("clip walk-320x240 missing")
	}
	frames, w, h := decodeGray(t, info)
	rect := func(name string, x0, y0, x1, y1 float64) Polygon {
		return Polygon{Name: name, Points: []Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}}
	}
	zones := []Polygon{rect("sky", 0, 0, 1, 0.2), rect("west", 0, 0.2, 0.5, 1), rect("east", 0.5, 0.2, 1, 1)}
	cases := []struct {
		name      string
		cfg       PixelConfig
		wantZones []string
		wantStart bool
	}{
		{"zones", PixelConfig{Zones: zones}, []string{"west", "east"}, true},
		{"sidewalk masked", PixelConfig{Zones: zones, Masks: []Polygon{rect("walk", 0, 0.25, 1, 0.75)}}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewPixel(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var hit []string
			started := false
			for i, f := range frames {
				res, tr, ok := d.Observe(Frame{Width: w, Height: h, Gray: f, Time: pxAt(i)})
				started = started || (ok && tr.Kind == Start)
				for _, z := range res.Zones {
					if !slices.Contains(hit, z) {
						hit = append(hit, z)
					}
				}
			}
			if started != tc.wantStart || !slices.Equal(hit, tc.wantZones) {
				t.Errorf("started %v, zones %v; want %v, %v", started, hit, tc.wantStart, tc.wantZones)
			}
		})
	}
}

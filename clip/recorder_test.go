package clip

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/decode"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/codec/h265parser"
)

// stream is a test clip cut into access units at 15 fps, with its codec
// data from the in-band parameter sets.
type stream struct {
	codec  Codec
	data   av.CodecData
	params [][]byte
	aus    [][]byte
	keys   []bool
}

func loadStream(t testing.TB, file string, c Codec) *stream {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "simcam", "testdata", "clips", file))
	if err != nil {
		t.Fatal(err)
	}
	dc := decode.H264
	if c == H265 {
		dc = decode.H265
	}
	s := &stream{codec: c}
	var vps, sps, pps []byte
	for _, au := range decode.SplitAccessUnits(raw, dc) {
		nalUnits(au, func(nal []byte) {
			if c == H264 {
				switch nal[0] & 0x1f {
				case 7:
					sps = append([]byte(nil), nal...)
				case 8:
					pps = append([]byte(nil), nal...)
				}
				return
			}
			switch (nal[0] >> 1) & 0x3f {
			case 32:
				vps = append([]byte(nil), nal...)
			case 33:
				sps = append([]byte(nil), nal...)
			case 34:
				pps = append([]byte(nil), nal...)
			}
		})
		s.aus = append(s.aus, au)
		s.keys = append(s.keys, decode.Keyframe(au, dc))
	}
	if c == H264 {
		s.data, err = h264parser.NewCodecDataFromSPSAndPPS(sps, pps)
		s.params = [][]byte{sps, pps}
	} else {
		s.data, err = h265parser.NewCodecDataFromVPSAndSPSAndPPS(vps, sps, pps)
		s.params = [][]byte{vps, sps, pps}
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const fps = 15

var frameDur = time.Second / fps

// frame i of s at 15 fps from t0, with an RTP-like stream time offset.
func (s *stream) frame(i int, t0 time.Time) Frame {
	return Frame{TS: 7*time.Hour + time.Duration(i)*frameDur, At: t0.Add(time.Duration(i) * frameDur), Key: s.keys[i%len(s.aus)], AU: s.aus[i%len(s.aus)]}
}

// probe asks ffprobe for a file's duration, frame count and codec.
func probe(t *testing.T, path string) (time.Duration, int, string) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,nb_read_frames:format=duration", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Frames string `json:"nb_read_frames"`
		}
		Format struct{ Duration string }
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Streams) != 1 {
		t.Fatalf("ffprobe: %v %s", err, out)
	}
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	n, _ := strconv.Atoi(p.Streams[0].Frames)
	return time.Duration(d * float64(time.Second)), n, p.Streams[0].Codec
}

// TestRecorderWritesPlayableMP4: motion from 6 s to 10 s with 5 s
// pre-roll and post-roll gives a clip from the keyframe at or before 1 s
// to 15 s that ffprobe reads with every frame and a duration within one
// frame of the stream's, for H.264 and H.265.
func TestRecorderWritesPlayableMP4(t *testing.T) {
	for _, c := range []struct {
		file  string
		codec Codec
		probe string
	}{{"static-640x360.h264", H264, "h264"}, {"static-640x360.h265", H265, "hevc"}} {
		t.Run(string(c.codec), func(t *testing.T) {
			s := loadStream(t, c.file, c.codec)
			dir := t.TempDir()
			r := NewRecorder(Options{Dir: dir})
			if _, err := r.SetParams(s.codec, s.params); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
			var fin *Finished
			for i := 0; i < 20*fps && fin == nil; i++ {
				if i == 6*fps {
					if err := r.MotionStart("m1"); err != nil {
						t.Fatal(err)
					}
				}
				if i == 10*fps {
					r.MotionEnd(s.frame(i, t0).At)
				}
				f, err := r.Frame(s.frame(i, t0))
				if err != nil {
					t.Fatal(err)
				}
				fin = f
			}
			if fin == nil {
				t.Fatal("no clip finished")
			}
			// The first frame is the last keyframe at or before 1 s.
			first := 0
			for i := 0; i <= 1*fps; i++ {
				if s.keys[i] {
					first = i
				}
			}
			wantStart := t0.Add(time.Duration(first) * frameDur)
			wantEnd := t0.Add(15 * time.Second)
			if !fin.Start.Equal(wantStart) || fin.End.Before(wantEnd.Add(-frameDur)) || fin.End.After(wantEnd.Add(frameDur)) ||
				fin.Frames != int(fin.End.Sub(fin.Start)/frameDur)+1 || fin.Truncated {
				t.Fatalf("clip %+v, want %s to %s", fin, wantStart, wantEnd)
			}
			d, n, codec := probe(t, fin.Path)
			want := fin.End.Sub(fin.Start)
			if codec != c.probe || n != fin.Frames || d < want-frameDur || d > want+frameDur {
				t.Fatalf("ffprobe: %s, %d frames, %s; want %s, %d frames, %s ± %s", codec, n, d, c.probe, fin.Frames, want, frameDur)
			}
			if _, err := os.Stat(filepath.Join(dir, "m1.json")); err != nil {
				t.Fatal("no description next to the clip")
			}
		})
	}
}

// TestRecorderInBandParams: a camera that announces no parameter sets
// (in band only) still gets a clip, from the sets of its first keyframe.
func TestRecorderInBandParams(t *testing.T) {
	s := loadStream(t, "static-640x360.h264", H264)
	r := NewRecorder(Options{Dir: t.TempDir(), PreRoll: time.Second, PostRoll: time.Second})
	r.SetParams(H264, nil)
	t0 := time.Now()
	var fin *Finished
	for i := 0; i < 10*fps && fin == nil; i++ {
		if i == 3*fps {
			if err := r.MotionStart("inband"); err != nil {
				t.Fatal(err)
			}
		}
		if i == 5*fps {
			r.MotionEnd(s.frame(i, t0).At)
		}
		fin, _ = r.Frame(s.frame(i, t0))
	}
	if fin == nil {
		t.Fatal("no clip")
	}
	if _, n, codec := probe(t, fin.Path); codec != "h264" || n != fin.Frames {
		t.Fatalf("ffprobe %s %d frames, clip %+v", codec, n, fin)
	}
}

// TestRecorderCapsLength: a motion that never ends gives a clip of
// MaxLength, marked truncated.
func TestRecorderCapsLength(t *testing.T) {
	s := loadStream(t, "static-640x360.h264", H264)
	r := NewRecorder(Options{Dir: t.TempDir(), MaxLength: 8 * time.Second})
	r.SetParams(H264, s.params)
	t0 := time.Now()
	var fin *Finished
	for i := 0; i < 40*fps && fin == nil; i++ {
		if i == 2*fps {
			r.MotionStart("long")
		}
		fin, _ = r.Frame(s.frame(i, t0))
	}
	if fin == nil || !fin.Truncated || fin.End.Sub(fin.Start) < 8*time.Second || fin.End.Sub(fin.Start) > 8*time.Second+frameDur {
		t.Fatalf("clip %+v", fin)
	}
}

// TestRingBounded: the pre-roll never holds more than its bytes, always
// starts at a keyframe, and covers the pre-roll when the bound allows.
func TestRingBounded(t *testing.T) {
	s := loadStream(t, "busy-640x360.h264", H264)
	t0 := time.Now()
	for _, max := range []int{1 << 20, 64 << 10} {
		r := ring{preRoll: 5 * time.Second, maxBytes: max}
		for i := range 10 * fps {
			r.add(s.frame(i, t0))
			if r.bytes > max {
				t.Fatalf("ring of %d bytes, bound %d", r.bytes, max)
			}
			if len(r.frames) > 0 && !r.frames[0].Key {
				t.Fatal("the ring does not start at a keyframe")
			}
		}
		if max < 1<<20 {
			continue // a GOP larger than the bound empties the ring: no pre-roll, the clip starts at the next keyframe
		}
		span := r.frames[len(r.frames)-1].At.Sub(r.frames[0].At)
		if span < 5*time.Second {
			t.Fatalf("1 MiB ring covers %s, want the 5 s pre-roll", span)
		}
	}
}

// TestRecorderTimestampsBroken: a camera with a constant RTP timestamp
// still gives an ordered, playable clip (arrival times stand in).
func TestRecorderTimestampsBroken(t *testing.T) {
	s := loadStream(t, "static-640x360.h264", H264)
	r := NewRecorder(Options{Dir: t.TempDir(), PreRoll: time.Second, PostRoll: time.Second})
	r.SetParams(H264, s.params)
	t0 := time.Now()
	var fin *Finished
	for i := 0; i < 10*fps && fin == nil; i++ {
		f := s.frame(i, t0)
		f.TS = 42 * time.Second
		if i == 2*fps {
			r.MotionStart("flat")
		}
		if i == 4*fps {
			r.MotionEnd(f.At)
		}
		fin, _ = r.Frame(f)
	}
	if fin == nil {
		t.Fatal("no clip")
	}
	if d, n, _ := probe(t, fin.Path); n != fin.Frames || d < fin.End.Sub(fin.Start)-frameDur {
		t.Fatalf("ffprobe %s %d, clip %+v", d, n, fin)
	}
}

func TestSpoolBudget(t *testing.T) {
	s := loadStream(t, "static-640x360.h264", H264)
	dir := t.TempDir()
	sp, err := NewSpool(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecorder(Options{Dir: dir, PreRoll: time.Second, PostRoll: time.Second})
	r.SetParams(H264, s.params)
	t0 := time.Now()
	var clips []*Finished
	for k := range 4 {
		var fin *Finished
		for i := 0; fin == nil; i++ {
			f := s.frame(k*10*fps+i, t0)
			if i == 2*fps {
				r.MotionStart("m" + strconv.Itoa(k))
			}
			if i == 3*fps {
				r.MotionEnd(f.At)
			}
			fin, _ = r.Frame(f)
		}
		clips = append(clips, fin)
	}
	sp.budget = clips[2].Bytes + clips[3].Bytes + 1
	dropped, err := sp.Admit()
	if err != nil || len(dropped) != 2 || dropped[0].Motion != "m0" || dropped[1].Motion != "m1" || sp.Dropped() != 2 {
		t.Fatalf("dropped %v %v", dropped, err)
	}
	left, _ := sp.Pending()
	if len(left) != 2 || left[0].Motion != "m2" {
		t.Fatalf("left %v", left)
	}
	// A crash's half-written files are not clips.
	os.WriteFile(filepath.Join(dir, "x.mp4.part"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "y.json"), []byte(`{"motion":"y","bytes":5}`), 0o600)
	sp2, _ := NewSpool(dir, 1<<30)
	left, _ = sp2.Pending()
	names := []string{}
	for _, f := range left {
		names = append(names, f.Motion)
	}
	if strings.Join(names, ",") != "m2,m3" {
		t.Fatalf("after a crash: %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.mp4.part")); err == nil {
		t.Fatal("a .part file survived")
	}
	_ = context.Background
}

package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const clips = "../../simcam/testdata/clips/"

// TestDetect runs `camwatch detect` on the committed clips: the walk clip
// gives one interval inside its ground truth (6 s to 12 s) that hit the
// sidewalk zone and not the sky; the static clip gives none; the table
// and the JSON document agree.
func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		intervals int
		zones     []string
	}{
		{"walk pixel", []string{"-config", "testdata/detect-pixel.yaml", clips + "walk-640x360.h264"}, 1, []string{"sidewalk"}},
		{"walk pixel 320x240", []string{"-config", "testdata/detect-pixel.yaml", clips + "walk-320x240.h264"}, 1, []string{"sidewalk"}},
		{"static pixel", []string{"-config", "testdata/detect-pixel.yaml", clips + "static-640x360.h264"}, 0, nil},
		{"walk compressed (defaults)", []string{clips + "walk-640x360.h264"}, 1, nil},
		{"static compressed (defaults)", []string{clips + "static-640x360.h264"}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runDetect(append([]string{"-json"}, tc.args...), &out); err != nil {
				t.Fatal(err)
			}
			var rep detectReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if rep.Frames == 0 || rep.DurationS < 19 {
				t.Errorf("frames %d, duration %.1fs", rep.Frames, rep.DurationS)
			}
			if len(rep.Intervals) != tc.intervals {
				t.Fatalf("intervals %+v, want %d", rep.Intervals, tc.intervals)
			}
			for _, iv := range rep.Intervals {
				if iv.StartS < 5.5 || iv.StartS > 7 || iv.EndS < 11 || iv.EndS > 14.5 || iv.PeakScore <= 0 {
					t.Errorf("interval %+v, want about 6s..12s", iv)
				}
				if !slices.Equal(iv.Zones, tc.zones) {
					t.Errorf("zones %v, want %v", iv.Zones, tc.zones)
				}
			}
			var table bytes.Buffer
			if err := runDetect(tc.args, &table); err != nil {
				t.Fatal(err)
			}
			motionPart, _, _ := strings.Cut(table.String(), "TAMPER")
			lines := strings.Split(strings.TrimSpace(motionPart), "\n")
			if tc.intervals == 0 && !strings.Contains(table.String(), "(no motion)") ||
				tc.intervals > 0 && len(lines) != 2+tc.intervals {
				t.Errorf("table:\n%s", table.String())
			}
		})
	}
}

// TestDetectContainer reads a clip that is not raw H.264 (an MP4 made
// from the walk clip) through ffmpeg and finds the same interval.
func TestDetectContainer(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	mp4 := filepath.Join(t.TempDir(), "walk.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "h264", "-framerate", "15",
		"-i", clips+"walk-320x240.h264", "-c", "copy", mp4).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	var out bytes.Buffer
	if err := runDetect([]string{"-json", "-config", "testdata/detect-pixel.yaml", mp4}, &out); err != nil {
		t.Fatal(err)
	}
	var rep detectReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Intervals) != 1 || rep.Intervals[0].StartS < 5.5 || rep.Intervals[0].StartS > 7 {
		t.Errorf("intervals %+v, want one from about 6s", rep.Intervals)
	}
}

// TestDetectErrors: bad input is an error naming what is wrong, and a
// usage error exits 2.
func TestDetectErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"missing clip", []string{"testdata/nope.h264"}, "nope.h264", exitFailure},
		{"no clip", nil, "detect [-config", exitUsage},
		{"bad config field", []string{"-config", "testdata/detect-bad.yaml", clips + "walk-320x240.h264"}, "motion.detect_fps", exitFailure},
		{"missing config", []string{"-config", "testdata/none.yaml", clips + "walk-320x240.h264"}, "none.yaml", exitFailure},
		{"not video", []string{"-config", "testdata/detect-pixel.yaml", "testdata/detect-bad.yaml"}, "detect-bad.yaml", exitUsage},
		{"raw file of garbage", []string{"-config", "testdata/detect-pixel.yaml", "testdata/garbage.h264"}, "garbage.h264", exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runDetect(tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
			if code := run(append([]string{"detect"}, tc.args...)); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
		})
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/motion"
)

// frozenClip writes a raw H.264 clip that plays the static clip for 6 s and
// then repeats one keyframe for 10 s, as a hung camera encoder does.
func frozenClip(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(clips + "static-320x240.h264")
	if err != nil {
		t.Fatal(err)
	}
	aus := decode.SplitAccessUnits(data, decode.H264)
	var out []byte
	for _, au := range aus[:90] {
		out = append(out, au...)
	}
	var idr []byte
	for _, au := range aus {
		if decode.Keyframe(au, decode.H264) {
			idr = au
			break
		}
	}
	if idr == nil {
		t.Fatal("no keyframe in the static clip")
	}
	for range 150 {
		out = append(out, idr...)
	}
	path := filepath.Join(t.TempDir(), "frozen.h264")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDetectTamper checks that detect reports picture faults with their
// time: the frozen tail of a clip is found as frozen, lasting to the end,
// and the normal clips show none.
func TestDetectTamper(t *testing.T) {
	for _, tc := range []struct {
		name string
		clip string
		want []motion.TamperKind
	}{
		{"frozen tail", frozenClip(t), []motion.TamperKind{motion.TamperFrozen}},
		{"static", clips + "static-320x240.h264", nil},
		{"walk", clips + "walk-640x360.h264", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runDetect([]string{"-json", "-config", "testdata/detect-pixel.yaml", tc.clip}, &out); err != nil {
				t.Fatal(err)
			}
			var rep detectReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Tamper) != len(tc.want) {
				t.Fatalf("tamper %+v, want %v", rep.Tamper, tc.want)
			}
			for i, f := range rep.Tamper {
				if f.Kind != tc.want[i] {
					t.Errorf("finding %d: %s, want %s", i, f.Kind, tc.want[i])
				}
				// The picture stops changing at 6 s; frozen is judged after 5 s of it.
				if f.StartS < 5.5 || f.StartS > 7.5 || f.EndS != nil {
					t.Errorf("finding %+v: want a start near 6 s lasting to the end", f)
				}
			}
			var table bytes.Buffer
			if err := runDetect([]string{"-config", "testdata/detect-pixel.yaml", tc.clip}, &table); err != nil {
				t.Fatal(err)
			}
			if len(tc.want) > 0 && !strings.Contains(table.String(), "frozen") {
				t.Errorf("table lacks the finding:\n%s", table.String())
			}
			if len(tc.want) == 0 && !strings.Contains(table.String(), "(no picture fault)") {
				t.Errorf("table:\n%s", table.String())
			}
		})
	}
}

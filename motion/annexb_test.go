package motion

import (
	"fmt"
	"os"
	"strings"

	"github.com/camwatch/camwatch/simcam"
)

// clipFrame is one access unit of a recorded clip, measured the way the
// edge agent measures it from vdk: the bytes of its slice NALs with a
// 4-byte length each, and whether one of them is an IDR slice.
type clipFrame struct {
	size     int
	keyframe bool
}

// readClip splits an Annex-B H.264 file into access units. An access unit
// ends at an AUD or at the start of a new picture's parameter sets; only
// slice NALs (types 1 to 5) count towards the size.
func readClip(path string) ([]clipFrame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".h265") {
		return parseClipH265(path, data)
	}
	return parseClip(path, data)
}

// parseClipFor splits a clip in its codec's access units.
func parseClipFor(info simcam.ClipInfo, data []byte) ([]clipFrame, error) {
	if info.Codec == "h265" {
		return parseClipH265(info.Name, data)
	}
	return parseClip(info.Name, data)
}

// parseClipH265 is parseClip for H.265: an access unit ends at an AUD (35)
// or a VPS (32), or where a slice segment opens a new picture
// (first_slice_segment_in_pic_flag, the first bit after the 2-byte NAL
// header); slice NALs are types 0 to 31, keyframes the IRAP types 16 to 23.
func parseClipH265(path string, data []byte) ([]clipFrame, error) {
	var frames []clipFrame
	var cur clipFrame
	hasSlice := false
	flush := func() {
		if hasSlice {
			frames = append(frames, cur)
		}
		cur, hasSlice = clipFrame{}, false
	}
	for _, nal := range splitAnnexB(data) {
		if len(nal) < 2 {
			continue
		}
		switch typ := (nal[0] >> 1) & 0x3f; {
		case typ == 35 || typ == 32:
			flush()
		case typ <= 31:
			if hasSlice && len(nal) > 2 && nal[2]&0x80 != 0 {
				flush()
			}
			cur.size += 4 + len(nal)
			cur.keyframe = cur.keyframe || (typ >= 16 && typ <= 23)
			hasSlice = true
		}
	}
	flush()
	if len(frames) == 0 {
		return nil, fmt.Errorf("%s: no frames", path)
	}
	return frames, nil
}

func parseClip(path string, data []byte) ([]clipFrame, error) {
	var frames []clipFrame
	var cur clipFrame
	hasSlice := false
	flush := func() {
		if hasSlice {
			frames = append(frames, cur)
		}
		cur, hasSlice = clipFrame{}, false
	}
	for _, nal := range splitAnnexB(data) {
		if len(nal) == 0 {
			continue
		}
		switch typ := nal[0] & 0x1f; {
		case typ == 9 || typ == 7: // AUD, or SPS opening a new IDR access unit
			flush()
		case typ >= 1 && typ <= 5:
			// first_mb_in_slice == 0 (leading bit 1 of the Exp-Golomb code)
			// starts a new picture when no AUD separates them.
			if hasSlice && len(nal) > 1 && nal[1]&0x80 != 0 {
				flush()
			}
			cur.size += 4 + len(nal)
			cur.keyframe = cur.keyframe || typ == 5
			hasSlice = true
		}
	}
	flush()
	if len(frames) == 0 {
		return nil, fmt.Errorf("%s: no frames", path)
	}
	return frames, nil
}

func splitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				end := i
				if end > start && b[end-1] == 0 {
					end-- // 4-byte start code
				}
				out = append(out, b[start:end])
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

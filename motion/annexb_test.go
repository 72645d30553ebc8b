package motion

import (
	"fmt"
	"os"
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
	return parseClip(path, data)
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

package simcam

// NAL unit types this package cares about (ITU-T H.264 table 7-1).
const (
	naluSlice = 1
	naluIDR   = 5
	naluSEI   = 6
	naluSPS   = 7
	naluPPS   = 8
	naluAUD   = 9
	naluFill  = 12
)

// splitAnnexB cuts a whole Annex-B byte stream into NAL units without their
// start codes. mediacommon's AnnexB decoder refuses streams with more than a
// few dozen NAL units, which every clip has, so the file is split here.
func splitAnnexB(b []byte) [][]byte {
	var nalus [][]byte
	start := -1
	i := 0
	for i+2 < len(b) {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				nalus = appendNALU(nalus, b[start:i])
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 {
		nalus = appendNALU(nalus, b[start:])
	}
	return nalus
}

// appendNALU drops the zero bytes that belong to the next start code (or
// trailing_zero_8bits) and skips empty units.
func appendNALU(nalus [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) == 0 {
		return nalus
	}
	return append(nalus, n)
}

func naluType(n []byte) byte { return n[0] & 0x1f }

func isVCL(t byte) bool { return t >= naluSlice && t <= naluIDR }

// firstSliceOfPicture reports whether a slice NAL unit starts a picture:
// first_mb_in_slice is ue(v) coded, so it is 0 exactly when the first bit of
// the slice header is 1.
func firstSliceOfPicture(n []byte) bool { return len(n) > 1 && n[1]&0x80 != 0 }

// groupAccessUnits groups NAL units into access units. An access unit ends
// before an AUD, before SPS/PPS/SEI that follow a picture, or before the
// first slice of the next picture, so clips without AUDs work too.
func groupAccessUnits(nalus [][]byte) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	hasVCL := false
	flush := func() {
		if len(cur) > 0 && hasVCL {
			aus = append(aus, cur)
		}
		cur, hasVCL = nil, false
	}
	for _, n := range nalus {
		t := naluType(n)
		switch {
		case t == naluAUD:
			flush()
		case (t == naluSPS || t == naluPPS || t == naluSEI) && hasVCL:
			flush()
		case isVCL(t) && hasVCL && firstSliceOfPicture(n):
			flush()
		}
		cur = append(cur, n)
		if isVCL(t) {
			hasVCL = true
		}
	}
	flush()
	return aus
}

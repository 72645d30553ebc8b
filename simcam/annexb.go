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

// nalKind is what clip parsing needs to know of a NAL unit of either codec.
type nalKind int

const (
	kindOther nalKind = iota
	kindAUD
	kindSEI // and filler
	kindVPS
	kindSPS
	kindPPS
	kindSlice
	kindKey // IDR (H.265: the IRAP types BLA, IDR, CRA)
)

// kindOf classifies a NAL unit of an H.264 or (hevc) H.265 stream.
func kindOf(n []byte, hevc bool) nalKind {
	if !hevc {
		switch naluType(n) {
		case naluAUD:
			return kindAUD
		case naluSEI, naluFill:
			return kindSEI
		case naluSPS:
			return kindSPS
		case naluPPS:
			return kindPPS
		case naluIDR:
			return kindKey
		case naluSlice, 2, 3, 4:
			return kindSlice
		}
		return kindOther
	}
	if len(n) < 2 {
		return kindOther
	}
	switch t := (n[0] >> 1) & 0x3f; {
	case t >= 16 && t <= 21:
		return kindKey
	case t <= 31:
		return kindSlice
	case t == 32:
		return kindVPS
	case t == 33:
		return kindSPS
	case t == 34:
		return kindPPS
	case t == 35:
		return kindAUD
	case t == 39 || t == 40 || t == 38:
		return kindSEI
	}
	return kindOther
}

// startsPicture reports whether a slice begins a new picture
// (first_mb_in_slice 0, or H.265's first_slice_segment_in_pic_flag).
func startsPicture(n []byte, hevc bool) bool {
	if hevc {
		return len(n) > 2 && n[2]&0x80 != 0
	}
	return firstSliceOfPicture(n)
}

// groupAccessUnits groups NAL units into access units. An access unit ends
// before an AUD, before SPS/PPS/SEI that follow a picture, or before the
// first slice of the next picture, so clips without AUDs work too.
func groupAccessUnits(nalus [][]byte) [][][]byte { return groupUnits(nalus, false) }

func groupUnits(nalus [][]byte, hevc bool) [][][]byte {
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
		k := kindOf(n, hevc)
		vcl := k == kindSlice || k == kindKey
		switch {
		case k == kindAUD:
			flush()
		case (k == kindVPS || k == kindSPS || k == kindPPS || k == kindSEI) && hasVCL:
			flush()
		case vcl && hasVCL && startsPicture(n, hevc):
			flush()
		}
		cur = append(cur, n)
		if vcl {
			hasVCL = true
		}
	}
	flush()
	return aus
}

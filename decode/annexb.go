package decode

import "encoding/binary"

// nalUnits calls fn with each NAL unit of an Annex-B byte string: the
// offset of its start code (with a leading zero byte of a 4-byte code) and
// the unit itself without it; it stops early when fn returns false.
func nalUnits(b []byte, fn func(sc int, nal []byte) bool) {
	start, sc := -1, 0
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			next := i
			if next > 0 && b[next-1] == 0 {
				next--
			}
			if start >= 0 {
				end := i
				for end > start && b[end-1] == 0 {
					end--
				}
				if end > start && !fn(sc, b[start:end]) {
					return
				}
			}
			sc = next
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		fn(sc, b[start:])
	}
}

// nalType returns a NAL unit's type for the codec.
func nalType(nal []byte, c Codec) int {
	if c == H265 {
		return int(nal[0]>>1) & 0x3f
	}
	return int(nal[0] & 0x1f)
}

func isVCL(t int, c Codec) bool {
	if c == H265 {
		return t <= 31
	}
	return t >= 1 && t <= 5
}

func isKeyType(t int, c Codec) bool {
	if c == H265 {
		return t >= 16 && t <= 21 // BLA, IDR, CRA
	}
	return t == 5
}

// Keyframe reports whether an Annex-B access unit holds a keyframe (an
// IDR picture, or for H.265 also BLA and CRA): decoding can start there.
func Keyframe(au []byte, c Codec) bool {
	key := false
	nalUnits(au, func(_ int, nal []byte) bool {
		key = isKeyType(nalType(nal, c), c)
		return !key
	})
	return key
}

// hasPicture reports whether an Annex-B access unit holds a coded slice;
// anything else is not something the decoder can turn into a frame.
func hasPicture(au []byte, c Codec) bool {
	vcl := false
	nalUnits(au, func(_ int, nal []byte) bool {
		vcl = isVCL(nalType(nal, c), c)
		return !vcl
	})
	return vcl
}

// AppendAnnexB appends an AVCC payload (NAL units behind 4-byte big-endian
// lengths, as the RTSP client hands them over) to dst in Annex-B form,
// which is what the decoder reads. A length running past the end is cut
// at the end, so a damaged payload still ends up as some bytes for the
// decoder to refuse.
func AppendAnnexB(dst, avcc []byte) []byte {
	for len(avcc) >= 4 {
		n := uint64(binary.BigEndian.Uint32(avcc))
		avcc = avcc[4:]
		n = min(n, uint64(len(avcc)))
		dst = append(dst, 0, 0, 0, 1)
		dst = append(dst, avcc[:n]...)
		avcc = avcc[n:]
	}
	return dst
}

// AppendNAL appends one NAL unit (a parameter set, say) to dst in Annex-B
// form.
func AppendNAL(dst, nal []byte) []byte {
	dst = append(dst, 0, 0, 0, 1)
	return append(dst, nal...)
}

// SplitAccessUnits cuts a raw Annex-B file (.h264, .h265) into access
// units. A unit ends before an access unit delimiter, before parameter
// sets or SEI that follow a picture, or before the first slice of the
// next picture, so files without delimiters work too.
func SplitAccessUnits(stream []byte, c Codec) [][]byte {
	var aus [][]byte
	begin, vcl := -1, false
	nalUnits(stream, func(sc int, nal []byte) bool {
		t := nalType(nal, c)
		first := false
		switch {
		case isVCL(t, c):
			first = vcl && firstSlice(nal, c)
		case c == H265:
			first = vcl && (t == 35 || (t >= 32 && t <= 34) || t == 39)
		default:
			first = vcl && (t == 9 || t == 7 || t == 8 || t == 6)
		}
		if first && begin >= 0 {
			aus = append(aus, stream[begin:sc])
			begin, vcl = -1, false
		}
		if begin < 0 {
			begin = sc
		}
		if isVCL(t, c) {
			vcl = true
		}
		return true
	})
	if begin >= 0 && vcl {
		aus = append(aus, stream[begin:])
	}
	return aus
}

// firstSlice reports whether a slice starts a picture: first_mb_in_slice
// (H.264, ue(v) coded, so 0 exactly when its first bit is 1) or
// first_slice_segment_in_pic_flag (H.265).
func firstSlice(nal []byte, c Codec) bool {
	if c == H265 {
		return len(nal) > 2 && nal[2]&0x80 != 0
	}
	return len(nal) > 1 && nal[1]&0x80 != 0
}

// NALUnits calls fn with each NAL unit of an Annex-B access unit, without
// its start code, until fn returns false.
func NALUnits(au []byte, fn func(nal []byte) bool) {
	nalUnits(au, func(_ int, nal []byte) bool { return fn(nal) })
}

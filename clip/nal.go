package clip

// Codec is the video codec of a camera's stream.
type Codec string

// The codecs a clip can hold (the MP4 muxer's).
const (
	H264 Codec = "h264"
	H265 Codec = "h265"
)

// nalUnits calls fn with each NAL unit of an Annex-B byte string (without
// its start code).
func nalUnits(b []byte, fn func(nal []byte)) {
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				end := i
				for end > start && b[end-1] == 0 {
					end--
				}
				if end > start {
					fn(b[start:end])
				}
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		fn(b[start:])
	}
}

// parameterSet reports whether a NAL unit is a parameter set or access
// unit delimiter, which an MP4 sample does not carry (the parameter sets
// are in the sample description).
func parameterSet(nal []byte, c Codec) bool {
	if len(nal) == 0 {
		return true
	}
	if c == H265 {
		t := (nal[0] >> 1) & 0x3f
		return t >= 32 && t <= 35 // VPS, SPS, PPS, AUD
	}
	t := nal[0] & 0x1f
	return t == 7 || t == 8 || t == 9 // SPS, PPS, AUD
}

// appendAVCC appends an Annex-B access unit's NAL units (without
// parameter sets and delimiters) to dst behind 4-byte lengths, the form
// an MP4 sample holds.
func appendAVCC(dst, au []byte, c Codec) []byte {
	nalUnits(au, func(nal []byte) {
		if parameterSet(nal, c) {
			return
		}
		n := len(nal)
		dst = append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		dst = append(dst, nal...)
	})
	return dst
}

package decode

import (
	"os"
	"testing"
)

// The fuzz tests feed hostile bytes to the parsers of package decode that
// see a camera's stream before libavcodec does: the H.264 parameter-set
// and slice-header parsers (the compressed tier's QP reading), and the
// Annex-B splitting, keyframe and picture tests of both codecs. A camera
// (or anyone in its path) controls every byte, so the property is: no
// panic, and results within the input.

// seedNALs adds the NAL units of committed fixtures (both codecs) as seeds.
func seedNALs(f *testing.F, c Codec, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		n := 0
		nalUnits(b, func(_ int, nal []byte) bool {
			if len(nal) > 600 {
				nal = nal[:600] // the header is what the parsers read
			}
			f.Add(append([]byte(nil), nal...))
			n++
			return n < 12
		})
	}
}

// FuzzH264Headers runs SPS, PPS and slice headers through one SliceQP,
// as the edge does: the input is cut into NAL units at Annex-B start
// codes, so one input can define a parameter set and then use it.
func FuzzH264Headers(f *testing.F) {
	seedNALs(f, H264, "qp20-main.h264", "qp27-high.h264", "qp40-baseline-slices.h264", "cbr-walk-320x240.h264")
	f.Add([]byte{0x67, 0x64, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff})       // SPS of ones
	f.Add([]byte{0x67, 0x42})                                           // SPS of 2 bytes
	f.Add([]byte{0x68, 0xff, 0xff, 0xff, 0xff, 0xff})                   // PPS naming SPS 31 of 2^32
	f.Add([]byte{0x65, 0x88, 0x84, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03}) // emulation prevention
	f.Fuzz(func(t *testing.T, data []byte) {
		var q SliceQP
		parse := func(nal []byte) {
			ParseSPS(nal)
			ParsePPS(nal)
			s, ok, err := q.NAL(nal)
			if ok && err == nil && (s.QP < 0 || s.QP > 63) {
				t.Fatalf("slice QP %d out of range", s.QP)
			}
		}
		parse(data)
		nalUnits(data, func(_ int, nal []byte) bool {
			parse(nal)
			return true
		})
	})
}

// FuzzAccessUnits splits hostile Annex-B streams of either codec into
// access units and asks of each what the decoder and the edge ask.
func FuzzAccessUnits(f *testing.F) {
	for _, name := range []string{"testsrc-320x240.h265", "qp40-baseline-slices.h264"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)], name[len(name)-1] == '5')
	}
	f.Add([]byte{0, 0, 1}, false)
	f.Add([]byte{0, 0, 0, 1, 0, 0, 1, 0x26}, true)
	f.Add([]byte{0, 0, 1, 0x46, 0x01, 0x10, 0, 0, 1, 0x28}, true) // AUD, IDR_N_LP of one byte
	f.Fuzz(func(t *testing.T, data []byte, hevc bool) {
		c := H264
		if hevc {
			c = H265
		}
		total := 0
		for _, au := range SplitAccessUnits(data, c) {
			total += len(au)
			Keyframe(au, c)
			hasPicture(au, c)
		}
		if total > len(data) {
			t.Fatalf("access units hold %d bytes of %d", total, len(data))
		}
		avcc := AppendAnnexB(nil, data)
		_ = avcc
	})
}

package edge

import (
	"bytes"
	"os"
	"testing"

	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/codec/h265parser"
)

// FuzzParameterSets feeds the H.264 and H.265 SPS parsers the agent runs
// on what a camera announces (SDP sprop-parameter-sets, in-band
// VPS/SPS/PPS) arbitrary bytes: they return an error or a result, never a
// panic that would take down a camera's supervisor. vdk's
// NewCodecDataFrom* index without bounds checks (a 3-byte SPS panics
// them: seed "short-sps"); the RTSP client calls them only under a
// recover (rtspv2 newH264CodecData/newH265CodecData), as codecData does
// here. Seeds: the parameter sets of the committed H.265 clip and
// testdata/fuzz.
func FuzzParameterSets(f *testing.F) {
	if clip, err := os.ReadFile("../decode/testdata/testsrc-320x240.h265"); err == nil {
		var nals [][]byte
		for _, n := range bytes.Split(clip, []byte{0, 0, 1})[1:] {
			nals = append(nals, bytes.TrimRight(n, "\x00"))
			if len(nals) == 3 {
				break
			}
		}
		if len(nals) == 3 {
			f.Add(nals[0], nals[1], nals[2])
		}
	}
	f.Add([]byte{0x40, 0x01}, []byte{0x42, 0x01, 0x01}, []byte{0x44, 0x01})
	f.Add([]byte{}, []byte{0x67, 0x42, 0x00, 0x1e}, []byte{0x68, 0xce})
	f.Fuzz(func(t *testing.T, vps, sps, pps []byte) {
		_, _ = h265parser.ParseSPS(sps)
		_, _ = h264parser.ParseSPS(sps)
		_, _ = h265parser.NewCodecDataFromAVCDecoderConfRecord(vps)
		_, _ = h264parser.NewCodecDataFromAVCDecoderConfRecord(vps)
		codecData(func() { _, _ = h265parser.NewCodecDataFromVPSAndSPSAndPPS(vps, sps, pps) })
		codecData(func() { _, _ = h264parser.NewCodecDataFromSPSAndPPS(sps, pps) })
	})
}

// codecData runs fn as the RTSP client does, a panic being a parse error.
func codecData(fn func()) {
	defer func() { _ = recover() }()
	fn()
}

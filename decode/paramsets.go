package decode

import (
	"errors"
	"fmt"
)

// Errors of the H.264 header parser. A damaged or truncated unit wraps
// ErrHeader; a valid stream that uses a feature the parser does not follow
// (slice groups) wraps ErrUnsupported, so a caller can tell a camera whose
// headers will never be readable from one bad packet.
var (
	ErrHeader      = errors.New("decode: bad H.264 header")
	ErrUnsupported = errors.New("decode: unsupported H.264 feature")
	// ErrNoParams is a slice that names a parameter set not seen yet (a
	// session joined mid-stream, or the set was lost).
	ErrNoParams = errors.New("decode: slice refers to a parameter set not seen")
)

// SPS holds the fields of an H.264 sequence parameter set that a slice
// header's layout depends on; the rest of the set is skipped.
type SPS struct {
	ID                  int
	ChromaFormatIDC     int
	SeparateColourPlane bool
	BitDepthLuma        int
	Log2MaxFrameNum     int
	PicOrderCntType     int
	Log2MaxPicOrderLsb  int // pic_order_cnt_type 0 only
	DeltaPicOrderZero   bool
	FrameMBsOnly        bool
}

// PPS holds the fields of an H.264 picture parameter set that a slice
// header's layout and its QP depend on.
type PPS struct {
	ID, SPSID                int
	CABAC                    bool
	BottomFieldPicOrder      bool
	NumRefIdxL0, NumRefIdxL1 int // defaults, 1..32
	WeightedPred             bool
	WeightedBipred           int
	PicInitQP                int // 26 + pic_init_qp_minus26
	DeblockingControl        bool
	RedundantPicCnt          bool
}

// highProfile reports the profiles whose SPS carries chroma format, bit
// depths and scaling matrices.
func highProfile(p uint32) bool {
	switch p {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// ParseSPS reads a sequence parameter set NAL unit (with its one-byte NAL
// header).
func ParseSPS(nal []byte) (SPS, error) {
	var s SPS
	if len(nal) < 4 || nal[0]&0x1f != 7 {
		return s, fmt.Errorf("%w: not an SPS", ErrHeader)
	}
	r := newBitReader(nal[1:])
	profile := r.bits(8)
	r.bits(16) // constraint flags, level
	s.ID = r.ueMax(31)
	s.ChromaFormatIDC, s.BitDepthLuma = 1, 8
	if highProfile(profile) {
		s.ChromaFormatIDC = r.ueMax(3)
		if s.ChromaFormatIDC == 3 {
			s.SeparateColourPlane = r.flag()
		}
		s.BitDepthLuma = 8 + r.ueMax(6)
		r.ueMax(6)    // bit_depth_chroma_minus8
		r.flag()      // qpprime_y_zero_transform_bypass_flag
		if r.flag() { // seq_scaling_matrix_present_flag
			n := 8
			if s.ChromaFormatIDC == 3 {
				n = 12
			}
			for i := 0; i < n && !r.failed; i++ {
				if r.flag() {
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(&r, size)
				}
			}
		}
	}
	s.Log2MaxFrameNum = 4 + r.ueMax(12)
	s.PicOrderCntType = r.ueMax(2)
	switch s.PicOrderCntType {
	case 0:
		s.Log2MaxPicOrderLsb = 4 + r.ueMax(12)
	case 1:
		s.DeltaPicOrderZero = r.flag()
		r.se() // offset_for_non_ref_pic
		r.se() // offset_for_top_to_bottom_field
		n := r.ueMax(255)
		for i := 0; i < n && !r.failed; i++ {
			r.se()
		}
	}
	r.ue()   // max_num_ref_frames
	r.flag() // gaps_in_frame_num_value_allowed_flag
	r.ue()   // pic_width_in_mbs_minus1
	r.ue()   // pic_height_in_map_units_minus1
	s.FrameMBsOnly = r.flag()
	if r.failed {
		return SPS{}, fmt.Errorf("%w: truncated or invalid SPS", ErrHeader)
	}
	return s, nil
}

func skipScalingList(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && !r.failed; j++ {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}

// ParsePPS reads a picture parameter set NAL unit (with its NAL header).
// Slice groups (FMO, never used by cameras) are ErrUnsupported.
func ParsePPS(nal []byte) (PPS, error) {
	var p PPS
	if len(nal) < 2 || nal[0]&0x1f != 8 {
		return p, fmt.Errorf("%w: not a PPS", ErrHeader)
	}
	r := newBitReader(nal[1:])
	p.ID = r.ueMax(255)
	p.SPSID = r.ueMax(31)
	p.CABAC = r.flag()
	p.BottomFieldPicOrder = r.flag()
	if groups := r.ueMax(7); groups > 0 && !r.failed {
		return PPS{}, fmt.Errorf("%w: slice groups", ErrUnsupported)
	}
	p.NumRefIdxL0 = 1 + r.ueMax(31)
	p.NumRefIdxL1 = 1 + r.ueMax(31)
	p.WeightedPred = r.flag()
	p.WeightedBipred = int(r.bits(2))
	p.PicInitQP = 26 + int(r.se())
	r.se() // pic_init_qs_minus26
	r.se() // chroma_qp_index_offset
	p.DeblockingControl = r.flag()
	r.flag() // constrained_intra_pred_flag
	p.RedundantPicCnt = r.flag()
	if r.failed || p.WeightedBipred > 2 || p.PicInitQP < -26 || p.PicInitQP > 51 {
		return PPS{}, fmt.Errorf("%w: truncated or invalid PPS", ErrHeader)
	}
	return p, nil
}

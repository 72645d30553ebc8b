package decode

import "fmt"

// SliceType is an H.264 slice's coding type (slice_type mod 5).
type SliceType int

// Slice types.
const (
	SliceP SliceType = iota
	SliceB
	SliceI
	SliceSP
	SliceSI
)

func (t SliceType) String() string {
	switch t {
	case SliceP:
		return "P"
	case SliceB:
		return "B"
	case SliceI:
		return "I"
	case SliceSP:
		return "SP"
	case SliceSI:
		return "SI"
	}
	return "?"
}

// Slice is what a slice header says up to its QP: enough to weigh the
// slice's size by the quantiser the encoder's rate control chose for it.
type Slice struct {
	Type SliceType
	IDR  bool
	// QP is the slice's luma quantiser, 26 + pic_init_qp_minus26 +
	// slice_qp_delta: 0..51 for 8-bit video (lower for deeper bit depths).
	QP int
}

// SliceQP follows an H.264 stream's parameter sets and reads each slice's
// QP from its header: under constant-bit-rate encoding frame sizes stay
// flat while rate control moves the QP, so the QP is what tells a busy
// picture from a quiet one. It is not safe for concurrent use; each
// camera owns one. The zero value is ready.
type SliceQP struct {
	sps    [32]SPS
	hasSPS [32]bool
	pps    [256]PPS
	hasPPS [256]bool
}

// Reset forgets the parameter sets, for a new session.
func (q *SliceQP) Reset() { *q = SliceQP{} }

// NAL feeds one NAL unit (without start code or length prefix). Parameter
// sets are remembered; for a slice it returns its header (ok true). Other
// units are ignored (ok false, no error). A damaged unit wraps ErrHeader,
// a slice before its parameter sets ErrNoParams; neither ever panics.
func (q *SliceQP) NAL(nal []byte) (s Slice, ok bool, err error) {
	if len(nal) == 0 {
		return s, false, nil
	}
	switch t := nal[0] & 0x1f; t {
	case 7:
		sps, err := ParseSPS(nal)
		if err != nil {
			return s, false, err
		}
		q.sps[sps.ID], q.hasSPS[sps.ID] = sps, true
		return s, false, nil
	case 8:
		pps, err := ParsePPS(nal)
		if err != nil {
			return s, false, err
		}
		q.pps[pps.ID], q.hasPPS[pps.ID] = pps, true
		return s, false, nil
	case 1, 5:
		s, err := q.slice(nal)
		return s, err == nil, err
	}
	return s, false, nil
}

// slice parses a slice header (H.264 7.3.3) up to slice_qp_delta.
func (q *SliceQP) slice(nal []byte) (Slice, error) {
	var s Slice
	bad := func(what string) (Slice, error) {
		return Slice{}, fmt.Errorf("%w: slice header: %s", ErrHeader, what)
	}
	refIDC := nal[0] >> 5 & 3
	s.IDR = nal[0]&0x1f == 5
	r := newBitReader(nal[1:])
	r.ue() // first_mb_in_slice
	st := r.ueMax(9)
	s.Type = SliceType(st % 5)
	ppsID := r.ueMax(255)
	if r.failed {
		return bad("truncated")
	}
	if !q.hasPPS[ppsID] || !q.hasSPS[q.pps[ppsID].SPSID] {
		return Slice{}, ErrNoParams
	}
	pps := &q.pps[ppsID]
	sps := &q.sps[pps.SPSID]
	if sps.SeparateColourPlane {
		r.bits(2) // colour_plane_id
	}
	r.bits(sps.Log2MaxFrameNum) // frame_num
	field := false
	if !sps.FrameMBsOnly {
		if field = r.flag(); field {
			r.flag() // bottom_field_flag
		}
	}
	if s.IDR {
		r.ue() // idr_pic_id
	}
	switch sps.PicOrderCntType {
	case 0:
		r.bits(sps.Log2MaxPicOrderLsb)
		if pps.BottomFieldPicOrder && !field {
			r.se()
		}
	case 1:
		if !sps.DeltaPicOrderZero {
			r.se()
			if pps.BottomFieldPicOrder && !field {
				r.se()
			}
		}
	}
	if pps.RedundantPicCnt {
		r.ue()
	}
	p, b := s.Type == SliceP || s.Type == SliceSP, s.Type == SliceB
	if b {
		r.flag() // direct_spatial_mv_pred_flag
	}
	l0, l1 := pps.NumRefIdxL0, pps.NumRefIdxL1
	maxRef := uint32(15)
	if field {
		maxRef = 31
	}
	if p || b {
		if r.flag() { // num_ref_idx_active_override_flag
			l0 = 1 + r.ueMax(maxRef)
			if b {
				l1 = 1 + r.ueMax(maxRef)
			}
		}
	}
	// ref_pic_list_modification
	if p || b {
		skipRefListModification(&r)
		if b {
			skipRefListModification(&r)
		}
	}
	if (pps.WeightedPred && p) || (pps.WeightedBipred == 1 && b) {
		chroma := sps.ChromaFormatIDC != 0 && !sps.SeparateColourPlane
		r.ueMax(7) // luma_log2_weight_denom
		if chroma {
			r.ueMax(7) // chroma_log2_weight_denom
		}
		skipWeights(&r, l0, chroma)
		if b {
			skipWeights(&r, l1, chroma)
		}
	}
	if refIDC != 0 { // dec_ref_pic_marking
		if s.IDR {
			r.flag() // no_output_of_prior_pics_flag
			r.flag() // long_term_reference_flag
		} else if r.flag() { // adaptive_ref_pic_marking_mode_flag
			skipMMCO(&r)
		}
	}
	if pps.CABAC && s.Type != SliceI && s.Type != SliceSI {
		r.ueMax(2) // cabac_init_idc
	}
	s.QP = pps.PicInitQP + int(r.se())
	if r.failed {
		return bad("truncated or invalid")
	}
	if low := -6 * (sps.BitDepthLuma - 8); s.QP < low || s.QP > 51 {
		return bad(fmt.Sprintf("QP %d out of range", s.QP))
	}
	return s, nil
}

// maxListOps bounds the operation loops of a header: more than this many
// operations in one slice is a damaged unit, not a real stream.
const maxListOps = 66

func skipRefListModification(r *bitReader) {
	if !r.flag() {
		return
	}
	for n := 0; !r.failed; n++ {
		if n == maxListOps {
			r.failed = true
			return
		}
		switch r.ue() { // modification_of_pic_nums_idc
		case 0, 1, 2:
			r.ue() // abs_diff_pic_num_minus1 or long_term_pic_num
		case 3:
			return
		default:
			r.failed = true
			return
		}
	}
}

func skipWeights(r *bitReader, refs int, chroma bool) {
	for i := 0; i < refs && !r.failed; i++ {
		if r.flag() { // luma_weight_flag
			r.se()
			r.se()
		}
		if chroma && r.flag() { // chroma_weight_flag
			for j := 0; j < 4; j++ {
				r.se()
			}
		}
	}
}

func skipMMCO(r *bitReader) {
	for n := 0; !r.failed; n++ {
		if n == maxListOps {
			r.failed = true
			return
		}
		op := r.ue()
		switch op {
		case 0:
			return
		case 1, 3:
			r.ue() // difference_of_pic_nums_minus1
			if op == 3 {
				r.ue() // long_term_frame_idx
			}
		case 2, 6:
			r.ue() // long_term_pic_num, long_term_frame_idx
		case 4:
			r.ue() // max_long_term_frame_idx_plus1
		case 5:
		default:
			r.failed = true
			return
		}
	}
}

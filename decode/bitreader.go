package decode

// bitReader reads an H.264 RBSP straight from a NAL unit's bytes, dropping
// emulation-prevention bytes (the 0x03 after two zero bytes) as it goes, so
// a header can be parsed without copying the unit. Reading past the end
// sets failed and returns zeros; callers check failed once at the end of a
// syntax structure instead of after every element.
type bitReader struct {
	b      []byte
	i      int  // next byte of b
	zeros  int  // zero bytes just read, for emulation prevention
	cur    byte // byte being read
	left   uint // bits of cur not read yet
	failed bool
}

func newBitReader(b []byte) bitReader { return bitReader{b: b} }

func (r *bitReader) load() bool {
	if r.i >= len(r.b) {
		r.failed = true
		return false
	}
	c := r.b[r.i]
	r.i++
	if r.zeros >= 2 && c == 3 {
		r.zeros = 0
		if r.i >= len(r.b) {
			r.failed = true
			return false
		}
		c = r.b[r.i]
		r.i++
	}
	if c == 0 {
		r.zeros++
	} else {
		r.zeros = 0
	}
	r.cur, r.left = c, 8
	return true
}

// bit reads one bit u(1).
func (r *bitReader) bit() uint32 {
	if r.left == 0 && !r.load() {
		return 0
	}
	r.left--
	return uint32(r.cur>>r.left) & 1
}

func (r *bitReader) flag() bool { return r.bit() == 1 }

// bits reads u(n), n at most 32.
func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for ; n > 0; n-- {
		v = v<<1 | r.bit()
	}
	return v
}

// ue reads an unsigned Exp-Golomb code ue(v); codes longer than 32 bits
// are not valid H.264 and fail the reader.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bit() == 0 {
		if r.failed || zeros == 32 {
			r.failed = true
			return 0
		}
		zeros++
	}
	if zeros == 0 {
		return 0
	}
	return uint32((uint64(1)<<zeros - 1) + uint64(r.bits(zeros)))
}

// se reads a signed Exp-Golomb code se(v).
func (r *bitReader) se() int32 {
	k := int64(r.ue())
	if k&1 == 1 {
		return int32((k + 1) / 2)
	}
	return int32(-(k / 2))
}

// ueMax reads ue(v) and fails the reader when it is above limit, so that a
// damaged count cannot drive a long loop or an out-of-range index.
func (r *bitReader) ueMax(limit uint32) int {
	v := r.ue()
	if v > limit {
		r.failed = true
		return 0
	}
	return int(v)
}

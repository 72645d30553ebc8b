package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// readChunk is how much of a segment the reader fetches at once.
const readChunk = 256 << 10

// item is one step of the reader: a record, or a run of records that
// cannot be read (first..last) with the reason in bad.
type item struct {
	rec     uint64
	last    uint64
	payload []byte
	bad     error
}

// reader walks the durable records of a spool in order, on its own file
// handles, without holding the spool's lock while it reads.
type reader struct {
	s   *Spool
	rec uint64 // next record to return

	f        *os.File
	segFirst uint64
	idx      uint64 // record number of the frame at off
	off      int64
	buf      []byte // bytes of f starting at bufOff; never reused
	bufOff   int64
}

func newReader(s *Spool, from uint64) *reader { return &reader{s: s, rec: from} }

// seek makes rec the next record returned.
func (r *reader) seek(rec uint64) { r.rec = rec }

func (r *reader) close() {
	if r.f != nil {
		r.f.Close()
		r.f, r.buf = nil, nil
	}
}

// next returns the next durable record; ok is false when there is none yet.
func (r *reader) next() (it item, ok bool, err error) {
	for {
		s := r.s
		s.mu.Lock()
		if r.rec < s.acked {
			r.rec = s.acked // dropped while we were behind
		}
		var g segment
		found := false
		for _, x := range s.segs {
			if x.end() > r.rec {
				g, found = *x, true
				break
			}
		}
		durable := s.durableRec
		s.mu.Unlock()
		if !found || r.rec >= durable || max(g.first, r.rec) >= durable {
			return item{}, false, nil
		}
		r.rec = max(r.rec, g.first)
		if r.f == nil || r.segFirst != g.first || r.idx > r.rec {
			if err := r.open(g); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // dropped or acknowledged meanwhile
				}
				return item{}, false, err
			}
		}
		for {
			payload, n, err := r.frame(g.size)
			if err != nil && !errors.Is(err, errShortFrame) && !errors.Is(err, errCorruptFrame) {
				r.close()
				return item{}, false, err
			}
			if err != nil {
				// Cannot happen to data this spool wrote and verified, short
				// of the disk rotting; give up the rest of the segment.
				r.close()
				bad := item{rec: r.rec, last: g.end() - 1, bad: fmt.Errorf("segment %d offset %d: %w", g.first, r.off, err)}
				r.rec = g.end()
				return bad, true, nil
			}
			r.off += int64(n)
			r.idx++
			if r.idx-1 == r.rec {
				r.rec++
				return item{rec: r.idx - 1, last: r.idx - 1, payload: payload}, true, nil
			}
		}
	}
}

func (r *reader) open(g segment) error {
	r.close()
	f, err := os.Open(g.path)
	if err != nil {
		return err
	}
	r.f, r.segFirst, r.idx, r.off = f, g.first, g.first, 0
	return nil
}

// frame reads the frame at r.off; limit is how many bytes the segment has.
func (r *reader) frame(limit int64) ([]byte, int, error) {
	if err := r.fill(frameHeader, limit); err != nil {
		return nil, 0, err
	}
	start := r.off - r.bufOff
	size := binary.LittleEndian.Uint32(r.buf[start : start+4])
	if size == 0 || size > maxPayload {
		return nil, 0, errCorruptFrame
	}
	if err := r.fill(frameHeader+int(size), limit); err != nil {
		return nil, 0, err
	}
	return parseFrame(r.buf[r.off-r.bufOff:])
}

// fill makes sure buf holds need bytes from r.off on.
func (r *reader) fill(need int, limit int64) error {
	start := r.off - r.bufOff
	if r.buf != nil && start >= 0 && int64(len(r.buf))-start >= int64(need) {
		return nil
	}
	if r.off+int64(need) > limit {
		return errShortFrame
	}
	n := min(max(int64(need), readChunk), limit-r.off)
	b := make([]byte, n)
	got, err := r.f.ReadAt(b, r.off)
	if got < need {
		if err == nil || errors.Is(err, io.EOF) {
			return errShortFrame
		}
		return fmt.Errorf("read segment: %w", err)
	}
	r.buf, r.bufOff = b[:got], r.off
	return nil
}

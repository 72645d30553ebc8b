package spool

import (
	"encoding/binary"
	"errors"
	"hash/crc32"

	"github.com/camwatch/camwatch/event"
)

// A record on disk is a frame: 4 bytes payload length, 4 bytes CRC-32C of
// the payload (both little-endian), then the payload, the event's JSON. The
// CRC tells a torn or rotten tail from a record.
const frameHeader = 8

// maxPayload bounds a frame's length field; anything longer is corruption,
// because Append refuses events larger than event.MaxSize.
const maxPayload = event.MaxSize

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	errShortFrame   = errors.New("short frame")
	errCorruptFrame = errors.New("corrupt frame")
)

// appendFrame appends payload framed to dst.
func appendFrame(dst, payload []byte) []byte {
	var h [frameHeader]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:8], crc32.Checksum(payload, castagnoli))
	dst = append(dst, h[:]...)
	return append(dst, payload...)
}

// parseFrame reads the frame at the start of b and returns its payload
// and the frame's full length. errShortFrame means b ends inside the
// frame; errCorruptFrame means the bytes are not a frame.
func parseFrame(b []byte) (payload []byte, n int, err error) {
	if len(b) < frameHeader {
		return nil, 0, errShortFrame
	}
	size := binary.LittleEndian.Uint32(b[0:4])
	if size == 0 || size > maxPayload {
		return nil, 0, errCorruptFrame
	}
	n = frameHeader + int(size)
	if len(b) < n {
		return nil, 0, errShortFrame
	}
	payload = b[frameHeader:n]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[4:8]) {
		return nil, 0, errCorruptFrame
	}
	return payload, n, nil
}

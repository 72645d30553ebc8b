package spool

import (
	"bytes"
	"testing"
)

// FuzzParseFrame: a spool segment's bytes, however torn or rotten, never
// make the frame parser panic or read past them, and what it accepts is
// exactly what appendFrame wrote. Seeds: testdata/fuzz/FuzzParseFrame.
func FuzzParseFrame(f *testing.F) {
	f.Add(appendFrame(nil, []byte(`{"schema":1}`)))
	f.Add(appendFrame(appendFrame(nil, []byte("a")), []byte("b")))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, n, err := parseFrame(b)
		if err != nil {
			return
		}
		if n < frameHeader || n > len(b) || len(payload) != n-frameHeader {
			t.Fatalf("frame of %d bytes, payload %d, input %d", n, len(payload), len(b))
		}
		if !bytes.Equal(appendFrame(nil, payload), b[:n]) {
			t.Fatal("accepted frame differs from what appendFrame writes")
		}
	})
}

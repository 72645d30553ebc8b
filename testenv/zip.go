package testenv

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// RewriteZip copies a ZIP (an evidence bundle) the way someone altering
// it would, with correct CRCs: edit (nil keeps every file) sees each
// entry's bytes and returns them changed, or nil to drop the entry; extra
// entries are added at the end. A stored entry is read raw, so bytes
// changed in place inside the archive come through as changed.
func RewriteZip(t testing.TB, b []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func(name string, method uint16, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err == nil {
			_, err = w.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range zr.File {
		var rc io.ReadCloser
		if f.Method == zip.Store {
			r, err := f.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			rc = io.NopCloser(r)
		} else if rc, err = f.Open(); err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			if data = edit(f.Name, data); data == nil {
				continue
			}
		}
		put(f.Name, f.Method, data)
	}
	for name, data := range extra {
		put(name, zip.Deflate, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

package evidence

import (
	"bytes"
	"testing"

	"github.com/camwatch/camwatch/signing"
)

// FuzzVerify: the bundle reader never panics or hangs on any bytes, and
// accepts nothing the key did not sign.
func FuzzVerify(f *testing.F) {
	key, _ := signing.GenerateKey()
	good := testBundle(f, key)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(bytes.NewReader(b), int64(len(b)), key.Public())
		if err == nil && !bytes.Equal(b, good) && rep.Manifest == nil {
			t.Fatal("verified without a manifest")
		}
	})
}

// FuzzAuditExcerpt: the audit excerpt checker never panics.
func FuzzAuditExcerpt(f *testing.F) {
	f.Add([]byte(`{"seq":1,"sha256":"aa","prev":"","record":{"prev":""}}` + "\n" + `{"seq":2,"sha256":"bb","prev":"aa"}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = checkAudit(b) })
}

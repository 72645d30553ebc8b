package signing

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "alerts.key")
	if err := WriteKey(path, k); err != nil {
		t.Fatal(err)
	}
	if err := WriteKey(path, k); err == nil {
		t.Error("WriteKey replaced an existing key file")
	}
	loaded, err := LoadKey(path)
	if err != nil || loaded.ID() != k.ID() {
		t.Fatalf("LoadKey = %v, %v", loaded, err)
	}
	other, _ := GenerateKey()
	v := NewVerifier(loaded.Public())
	data := []byte(`{"id":"a/firing","kind":"firing"}`)
	sig := k.Sign(data)
	if err := v.Verify(data, sig); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	cases := []struct {
		name string
		data []byte
		sig  string
		want error
	}{
		{"unsigned", data, "", ErrUnsigned},
		{"altered payload", []byte(`{"id":"a/firing","kind":"resolved"}`), sig, ErrBadSignature},
		{"another key", data, other.Sign(data), ErrBadSignature},
		{"malformed", data, "hmac:x:y", ErrBadSignature},
		{"truncated", data, sig[:len(sig)-4], ErrBadSignature},
		{"garbage base64", data, "ed25519:" + k.ID() + ":!!!", ErrBadSignature},
		{"key id of ours, other signature", data, "ed25519:" + k.ID() + ":" + strings.SplitN(other.Sign(data), ":", 3)[2], ErrBadSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := v.Verify(c.data, c.sig); !errors.Is(err, c.want) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// BenchmarkSign and BenchmarkVerify measure one transition of typical
// size (docs/BENCHMARKS.md).
func BenchmarkSign(b *testing.B) {
	k, _ := GenerateKey()
	data := []byte(strings.Repeat("x", 600))
	for b.Loop() {
		k.Sign(data)
	}
}

func BenchmarkVerify(b *testing.B) {
	k, _ := GenerateKey()
	data := []byte(strings.Repeat("x", 600))
	sig := k.Sign(data)
	v := NewVerifier(k.Public())
	for b.Loop() {
		if err := v.Verify(data, sig); err != nil {
			b.Fatal(err)
		}
	}
}

package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Header carries a transition's signature: "ed25519:<key id>:<base64>".
const Header = "Camwatch-Signature"

// Errors of Verify.
var (
	// ErrUnsigned: the message carries no signature.
	ErrUnsigned = errors.New("transition not signed")
	// ErrBadSignature: the signature is malformed, by an unknown key, or
	// does not match the bytes.
	ErrBadSignature = errors.New("transition signature does not verify")
)

// Key is an Ed25519 signing key.
type Key struct {
	priv ed25519.PrivateKey
	id   string
}

// GenerateKey makes a new key.
func GenerateKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return newKey(priv), nil
}

func newKey(priv ed25519.PrivateKey) *Key {
	return &Key{priv: priv, id: KeyID(priv.Public().(ed25519.PublicKey))}
}

// KeyID names a public key: the first 8 bytes of its SHA-256, hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// LoadKey reads a PEM "PRIVATE KEY" (PKCS #8) Ed25519 key, as WriteKey
// and `openssl genpkey -algorithm ed25519` write it.
func LoadKey(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: no PEM PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: %T is not an Ed25519 key", path, k)
	}
	return newKey(priv), nil
}

// WriteKey writes k to path as PEM PKCS #8, mode 0600, refusing to
// replace an existing file.
func WriteKey(path string, k *Key) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("signing key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	return nil
}

// ID is the key's id.
func (k *Key) ID() string { return k.id }

// Public is the verifying half.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Sign returns the header value that signs data.
func (k *Key) Sign(data []byte) string {
	return "ed25519:" + k.id + ":" + base64.RawStdEncoding.EncodeToString(ed25519.Sign(k.priv, data))
}

// Verifier checks signatures against a set of public keys (the current
// key, and old ones while a rotation is under way).
type Verifier struct {
	keys map[string]ed25519.PublicKey
}

// NewVerifier accepts signatures by any of pubs.
func NewVerifier(pubs ...ed25519.PublicKey) *Verifier {
	v := &Verifier{keys: make(map[string]ed25519.PublicKey, len(pubs))}
	for _, p := range pubs {
		v.keys[KeyID(p)] = p
	}
	return v
}

// Verify checks that sig (a Header value) signs data.
func (v *Verifier) Verify(data []byte, sig string) error {
	if sig == "" {
		return ErrUnsigned
	}
	alg, rest, ok := strings.Cut(sig, ":")
	id, b64, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || alg != "ed25519" {
		return fmt.Errorf("%w: malformed", ErrBadSignature)
	}
	pub, known := v.keys[id]
	if !known {
		return fmt.Errorf("%w: unknown key %q", ErrBadSignature, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) != ed25519.SignatureSize || !ed25519.Verify(pub, data, raw) {
		return fmt.Errorf("%w: by key %s", ErrBadSignature, id)
	}
	return nil
}

// SignRaw returns the bare 64-byte Ed25519 signature of data, for
// detached signatures that standard tools check (an evidence bundle's
// manifest.sig: `openssl pkeyutl -verify -rawin`).
func (k *Key) SignRaw(data []byte) []byte { return ed25519.Sign(k.priv, data) }

// PublicPEM encodes pub as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo), the
// form openssl and most Ed25519 verifiers read.
func PublicPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic("signing: an Ed25519 public key always marshals: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicPEM reads a PEM "PUBLIC KEY" Ed25519 key (PublicPEM's
// output, or `openssl pkey -pubout`).
func ParsePublicPEM(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("public key: no PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key: %T is not an Ed25519 key", k)
	}
	return pub, nil
}

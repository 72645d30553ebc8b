package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// Headers on every webhook POST.
const (
	// HeaderIdempotencyKey carries the transition id: a receiver that has
	// seen it already must drop the request (it can arrive twice only when
	// the notifier stopped between the 2xx and the ack).
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body
	// with the receiver's secret, so a receiver can tell camwatch from
	// anyone who learnt its URL.
	HeaderSignature = "X-Camwatch-Signature"
	// HeaderTimestamp is the Unix time of the attempt, in seconds.
	HeaderTimestamp = "X-Camwatch-Timestamp"
)

// ErrBadSignature is returned by Verify when the signature does not match.
var ErrBadSignature = errors.New("bad webhook signature")

const sigPrefix = "sha256="

// Sign returns the HeaderSignature value for body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return sigPrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a HeaderSignature value in constant time; receivers
// written in Go can call it.
func Verify(secret, body []byte, header string) error {
	hexSig, ok := strings.CutPrefix(header, sigPrefix)
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}

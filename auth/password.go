package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. The chosen ones
// (DefaultArgon2) take about 100 ms on one core of the project's 2-core
// machines (docs/BENCHMARKS.md): slow for a guesser, quick for a person.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultArgon2 is what new passwords are hashed with: 32 MiB, 2 passes,
// one thread (RFC 9106's second recommended option scaled to fit a small
// aggregator; stronger than OWASP's 19 MiB, 2 passes minimum).
var DefaultArgon2 = Argon2Params{Memory: 32 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Password length limits: long enough for a passphrase, bounded so a
// megabyte "password" cannot be fed to argon2.
const (
	MinPassword = 10
	MaxPassword = 256
)

// ErrHash: a stored hash is not an argon2id PHC string this package reads.
var ErrHash = errors.New("bad password hash")

// CheckPassword says what is wrong with a new password, if anything.
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: password: not valid UTF-8", ErrInput)
	case n < MinPassword:
		return fmt.Errorf("%w: password: at least %d characters", ErrInput, MinPassword)
	case len(pw) > MaxPassword:
		return fmt.Errorf("%w: password: at most %d bytes", ErrInput, MaxPassword)
	}
	return nil
}

// HashPassword returns the PHC string of pw under p:
// $argon2id$v=19$m=32768,t=2,p=1$<salt>$<key> (base64 without padding).
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b.EncodeToString(salt), b.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string hash, in time
// that does not depend on where they differ.
func VerifyPassword(pw, hash string) (bool, error) {
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPassword {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// Limits on what a stored hash may ask for, so a damaged or planted
// record cannot make a login take minutes or gigabytes.
const (
	maxHashMemory = 1 << 20 // KiB: 1 GiB
	maxHashTime   = 16
)

// parseHash reads a PHC argon2id string.
func parseHash(h string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrHash, parts[2])
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrHash, kv)
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrHash, kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrHash, kv)
		}
	}
	switch {
	case p.Time < 1 || p.Time > maxHashTime, p.Threads < 1, p.Memory < 8*uint32(p.Threads), p.Memory > maxHashMemory:
		return p, nil, nil, fmt.Errorf("%w: parameters %q out of range", ErrHash, parts[3])
	}
	b := base64.RawStdEncoding
	salt, err1 := b.DecodeString(parts[4])
	key, err2 := b.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: salt or key", ErrHash)
	}
	p.KeyLen, p.SaltLen = uint32(len(key)), uint32(len(salt))
	return p, salt, key, nil
}

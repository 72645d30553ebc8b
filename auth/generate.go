package auth

import "crypto/rand"

// GeneratePassword makes a password for an account an administrator
// creates or resets: 16 characters without look-alikes (about 92 bits),
// shown once to whoever hands it over, never stored in clear.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

package auth

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkPasswordVerify is the cost of one login's argon2id with the
// chosen parameters (DefaultArgon2) on this machine:
//
//	go test ./auth -run XXX -bench PasswordVerify -benchtime 20x
func BenchmarkPasswordVerify(b *testing.B) {
	h, err := HashPassword("correct horse battery", DefaultArgon2)
	if err != nil {
		b.Fatal(err)
	}
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if ok, err := VerifyPassword("correct horse battery", h); !ok || err != nil {
			b.Fatal("verify failed")
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "p50-ms")
}

// BenchmarkLogin is a whole successful login (limiter, user from the
// bucket, argon2id, session in Redis) with DefaultArgon2.
func BenchmarkLogin(b *testing.B) {
	d := directoryTB(b, DefaultArgon2)
	s := serviceTB(b, d)
	ctx := context.Background()
	if _, err := d.AddUser(ctx, "lan", Operator, Scope{All: true}, "lan-password-1", "b"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		u, err := s.Authenticate(ctx, "lan", "lan-password-1", "10.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.StartSession(ctx, u, "10.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}

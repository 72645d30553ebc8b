package auth

import (
	"strings"
	"testing"
)

func FuzzParseToken(f *testing.F) {
	f.Add("cwt_0123456789abcdef_" + strings.Repeat("A", 43))
	f.Add("cwt_")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, s string) {
		id, secret, ok := ParseToken(s)
		if ok && TokenPrefix+id+"_"+secret != s {
			t.Fatalf("%q parsed to %q %q", s, id, secret)
		}
	})
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"all", "program=a,b;ward=Bến Nghé", "camera=x;;", "=", "program=a=b", "ward= "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScope(s)
		if err != nil {
			return
		}
		again, err := ParseScope(sc.String())
		if err != nil || again.String() != sc.String() {
			t.Fatalf("%q -> %q -> %q, %v", s, sc.String(), again.String(), err)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	h, _ := HashPassword("seed-password", fast)
	f.Add(h)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseHash(s)
		if err != nil {
			return
		}
		if p.Memory > maxHashMemory || p.Time > maxHashTime || p.Threads < 1 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted %q: %+v", s, p)
		}
	})
}

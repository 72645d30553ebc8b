package event

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestParseCameraRef(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     CameraRef
		bad      bool
	}{
		{name: "site and camera", in: "q1/cam-01", want: CameraRef{"q1", "cam-01"}},
		{name: "underscores", in: "ward_3/gate_A", want: CameraRef{"ward_3", "gate_A"}},
		{name: "bare camera id", in: "cam-01", bad: true},
		{name: "empty", in: "", bad: true},
		{name: "empty site", in: "/cam-01", bad: true},
		{name: "empty camera", in: "q1/", bad: true},
		{name: "three parts", in: "q1/cam-01/x", bad: true},
		{name: "colon (a key separator)", in: "q1/cam:01", bad: true},
		{name: "hash tag brace", in: "q1/cam}01", bad: true},
		{name: "space", in: "q1/cam 01", bad: true},
		{name: "too long", in: "q1/" + string(make([]byte, 65)), bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCameraRef(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrCameraRef) {
					t.Fatalf("ParseCameraRef(%q) = %v, %v; want ErrCameraRef", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want || got.String() != tc.in {
				t.Fatalf("ParseCameraRef(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCameraRefJSON(t *testing.T) {
	m := map[CameraRef]int{{"q1", "cam-01"}: 1, {"q3", "cam-01"}: 3}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"q1/cam-01":1,"q3/cam-01":3}` {
		t.Fatalf("map keys: %s", b)
	}
	var back map[CameraRef]int
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 || back[CameraRef{"q3", "cam-01"}] != 3 {
		t.Fatalf("round trip: %v %v", back, err)
	}
	b, _ = json.Marshal(CameraRef{Site: "q1"})
	if err := json.Unmarshal(b, new(CameraRef)); !errors.Is(err, ErrCameraRef) {
		t.Fatalf("a reference without a camera round-tripped: %s %v", b, err)
	}
	var r CameraRef
	if err := json.Unmarshal([]byte(`"cam-01"`), &r); !errors.Is(err, ErrCameraRef) {
		t.Fatalf("a bare id decoded: %v %v", r, err)
	}
}

// FuzzParseCameraRef: whatever arrives, a reference accepted is two
// tokens and prints back to exactly its input.
// Seeds: testdata/fuzz/FuzzParseCameraRef.
func FuzzParseCameraRef(f *testing.F) {
	for _, s := range []string{"q1/cam-01", "cam-01", "q1/cam-01/x", "/", "q1/{c:x}", "q1/cam\n01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseCameraRef(s)
		if err != nil {
			return
		}
		if !r.Valid() || r.String() != s {
			t.Fatalf("ParseCameraRef(%q) = %#v, prints %q", s, r, r.String())
		}
		b, err := r.MarshalText()
		if err != nil || string(b) != s {
			t.Fatalf("MarshalText = %q, %v", b, err)
		}
	})
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// FuzzValidToken: the byte loop accepts exactly what the regexp of the
// documented alphabet does.
// Seeds: testdata/fuzz/FuzzValidToken.
func FuzzValidToken(f *testing.F) {
	for _, s := range []string{"cam-01", "", "a\n", "ẻ", strings.Repeat("a", 64), strings.Repeat("a", 65), "a b", "q1/cam"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidToken(s), tokenRE.MatchString(s); got != want {
			t.Fatalf("ValidToken(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}

// BenchmarkValidToken: the byte loop against the regexp it replaced
// (the peer, same run), on a site and a camera id; and a camera
// reference parsed (two tokens).
func BenchmarkValidToken(b *testing.B) {
	b.Run("loop", func(b *testing.B) {
		for b.Loop() {
			_ = ValidToken("hcm-q1-ben-nghe") && ValidToken("tdp7-alley-01")
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			_ = tokenRE.MatchString("hcm-q1-ben-nghe") && tokenRE.MatchString("tdp7-alley-01")
		}
	})
	b.Run("ParseCameraRef", func(b *testing.B) {
		for b.Loop() {
			_, _ = ParseCameraRef("hcm-q1-ben-nghe/tdp7-alley-01")
		}
	})
}

package event

import (
	"encoding/json"
	"errors"
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

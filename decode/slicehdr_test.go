package decode

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// clipSlices reads every slice header of an Annex-B H.264 fixture.
func clipSlices(t testing.TB, name string) []Slice {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var q SliceQP
	var out []Slice
	nalUnits(data, func(_ int, nal []byte) bool {
		s, ok, err := q.NAL(nal)
		if err != nil {
			t.Fatalf("%s: NAL type %d: %v", name, nal[0]&0x1f, err)
		}
		if ok {
			out = append(out, s)
		}
		return true
	})
	return out
}

// TestSliceQPConstant reads clips encoded at a constant QP (x264 qp=N):
// every P slice must say N. x264 codes I slices ip-ratio lower (N-3).
func TestSliceQPConstant(t *testing.T) {
	cases := []struct {
		name   string
		clip   string
		qp     int
		slices int // slices per frame
	}{
		{name: "main CABAC weighted P", clip: "qp20-main.h264", qp: 20, slices: 1},
		{name: "main high QP", clip: "qp34-main.h264", qp: 34, slices: 1},
		{name: "high CABAC 8x8 4 refs", clip: "qp27-high.h264", qp: 27, slices: 1},
		{name: "baseline 3 slices", clip: "qp40-baseline-slices.h264", qp: 40, slices: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slices := clipSlices(t, tc.clip)
			if want := 45 * tc.slices; len(slices) != want {
				t.Fatalf("%d slices, want %d", len(slices), want)
			}
			var p, i int
			for n, s := range slices {
				switch s.Type {
				case SliceP:
					p++
					if s.QP != tc.qp {
						t.Errorf("slice %d (P): QP %d, want %d", n, s.QP, tc.qp)
					}
				case SliceI:
					i++
					if s.QP != tc.qp-3 {
						t.Errorf("slice %d (I): QP %d, want %d", n, s.QP, tc.qp-3)
					}
					if !s.IDR {
						t.Errorf("slice %d: I slice not in an IDR", n)
					}
				default:
					t.Errorf("slice %d: type %v", n, s.Type)
				}
			}
			if i != 2*tc.slices || p != 43*tc.slices {
				t.Errorf("%d I and %d P slices, want %d and %d", i, p, 2*tc.slices, 43*tc.slices)
			}
		})
	}
}

// TestSliceQPRateControlled reads clips whose QP the rate control moves
// (simcam's CRF clips, the CBR fixtures): every QP in 0..51 and more than
// one value among the P slices.
func TestSliceQPRateControlled(t *testing.T) {
	cases := []struct{ name, path string }{
		{"crf walk", "../../simcam/testdata/clips/walk-320x240.h264"},
		{"crf static", "../../simcam/testdata/clips/static-320x240.h264"},
		{"cbr walk", "cbr-walk-320x240.h264"},
		{"cbr static", "cbr-static-320x240.h264"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slices := clipSlices(t, tc.path)
			if len(slices) != 300 {
				t.Fatalf("%d slices, want 300", len(slices))
			}
			seen := map[int]bool{}
			for n, s := range slices {
				if s.QP < 0 || s.QP > 51 {
					t.Fatalf("slice %d: QP %d", n, s.QP)
				}
				if s.Type == SliceP {
					seen[s.QP] = true
				}
			}
			if len(seen) < 2 {
				t.Errorf("P-slice QPs %v do not vary", seen)
			}
		})
	}
}

// TestSliceQPGarbage feeds truncated, flipped and random units: errors,
// never a panic, and never a QP outside the valid range.
func TestSliceQPGarbage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "qp20-main.h264"))
	if err != nil {
		t.Fatal(err)
	}
	var params, slices [][]byte
	nalUnits(data, func(_ int, nal []byte) bool {
		switch nal[0] & 0x1f {
		case 7, 8:
			params = append(params, nal)
		case 1, 5:
			if len(slices) < 8 {
				slices = append(slices, nal)
			}
		}
		return true
	})
	rng := rand.New(rand.NewPCG(1, 2))
	fresh := func() *SliceQP {
		var q SliceQP
		for _, p := range params[:2] {
			if _, _, err := q.NAL(p); err != nil {
				t.Fatal(err)
			}
		}
		return &q
	}
	check := func(t *testing.T, q *SliceQP, nal []byte) {
		s, ok, err := q.NAL(nal)
		if ok && (s.QP < 0 || s.QP > 51) {
			t.Errorf("% x: QP %d accepted", nal, s.QP)
		}
		if err != nil && !errors.Is(err, ErrHeader) && !errors.Is(err, ErrNoParams) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("unexpected error %v", err)
		}
	}
	cases := []struct {
		name string
		nals func() [][]byte
	}{
		{"truncated slices", func() [][]byte {
			var out [][]byte
			for _, s := range slices {
				for n := 0; n < min(len(s), 40); n++ {
					out = append(out, s[:n])
				}
			}
			return out
		}},
		{"truncated parameter sets", func() [][]byte {
			var out [][]byte
			for _, p := range params[:2] {
				for n := 0; n < len(p); n++ {
					out = append(out, p[:n])
				}
			}
			return out
		}},
		{"flipped bits", func() [][]byte {
			var out [][]byte
			for range 2000 {
				src := slices[rng.IntN(len(slices))]
				if rng.IntN(4) == 0 {
					src = params[rng.IntN(2)]
				}
				b := append([]byte(nil), src[:min(len(src), 24)]...)
				b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
				out = append(out, b)
			}
			return out
		}},
		{"random bytes", func() [][]byte {
			var out [][]byte
			for range 2000 {
				b := make([]byte, rng.IntN(40))
				for i := range b {
					b[i] = byte(rng.Uint32())
				}
				out = append(out, b)
			}
			return out
		}},
		{"all zero and all ones", func() [][]byte {
			return [][]byte{{0x65}, {0x41, 0, 0, 0}, {0x67, 0, 0, 0, 0, 0}, {0x68, 0xff, 0xff, 0xff}, {0x65, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x41, 0, 0, 3, 0, 0, 3}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := fresh()
			for _, nal := range tc.nals() {
				check(t, q, nal)
			}
		})
	}
	t.Run("slice before parameter sets", func(t *testing.T) {
		var q SliceQP
		if _, _, err := q.NAL(slices[0]); !errors.Is(err, ErrNoParams) {
			t.Errorf("got %v, want ErrNoParams", err)
		}
	})
}

// BenchmarkSliceQP is the per-frame cost of reading a P slice's QP.
func BenchmarkSliceQP(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "cbr-walk-320x240.h264"))
	if err != nil {
		b.Fatal(err)
	}
	var q SliceQP
	var p []byte
	nalUnits(data, func(_ int, nal []byte) bool {
		switch nal[0] & 0x1f {
		case 7, 8:
			q.NAL(nal)
		case 1:
			p = nal
			return false
		}
		return true
	})
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := q.NAL(p); !ok || err != nil {
			b.Fatal(err)
		}
	}
}

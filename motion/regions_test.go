package motion

import (
	"math/rand/v2"
	"testing"
)

// TestMajority3x3MatchesCount checks the filter, whose rows of a width
// divisible by 8 take a bytewise 64-bit path, against a plain count of
// each 3x3 neighbourhood, on random pictures of several densities and
// widths on and off that path.
func TestMajority3x3MatchesCount(t *testing.T) {
	cases := []struct {
		name    string
		w, h    int
		density float64
	}{
		{name: "sparse 64 wide", w: 64, h: 20, density: 0.1},
		{name: "half 64 wide", w: 64, h: 20, density: 0.5},
		{name: "dense 320 wide", w: 320, h: 12, density: 0.8},
		{name: "half 8 wide", w: 8, h: 9, density: 0.5},
		{name: "half 37 wide (bytewise off)", w: 37, h: 11, density: 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.w)))
			w, h := tc.w, tc.h
			fg := make([]byte, w*h)
			rows := make([]int32, h)
			for i := range fg {
				if rng.Float64() < tc.density {
					fg[i] = 1
					rows[i/w]++
				}
			}
			out := make([]byte, w*h)
			for i := range out {
				out[i] = 7 // stale values must be overwritten
			}
			live := make([]bool, h)
			majority3x3(fg, out, rows, live, make([]uint8, w), w, h)
			for y := range h {
				for x := range w {
					want := byte(0)
					if x > 0 && y > 0 && x < w-1 && y < h-1 {
						n := 0
						for dy := -1; dy <= 1; dy++ {
							for dx := -1; dx <= 1; dx++ {
								n += int(fg[(y+dy)*w+x+dx])
							}
						}
						if n >= 5 {
							want = 1
						}
					}
					if got := out[y*w+x]; got != want {
						t.Fatalf("pixel (%d,%d): got %d, want %d", x, y, got, want)
					}
					if want == 1 && !live[y] {
						t.Fatalf("row %d has a set pixel but is not marked live", y)
					}
				}
			}
		})
	}
}

package motion

import "testing"

// TestRatioRecipExact checks the multiply that replaces the division in
// the ratio histogram against the division, for every gray level pair.
func TestRatioRecipExact(t *testing.T) {
	for num := int32(0); num < 256; num++ {
		for den := int32(1); den < 256; den++ {
			want := num * ratioScale / den
			got := int32(uint64(num*ratioScale) * ratioRecip[uint8(den)] >> 32)
			if got != want {
				t.Fatalf("%d/%d: got %d, want %d", num, den, got, want)
			}
		}
	}
}

package quality

import (
	"os"
	"testing"

	"github.com/camwatch/camwatch/configs"
)

// TestFieldSet scores every tier on the field clips (testdata/field:
// 640x360 dusk grain at CRF 26 and 30 and CBR 800 kbit/s, distant walkers
// of 0.125 % and 0.1 % of the picture; docs/BENCHMARKS.md, "Field clips").
// The default detector (auto) must reach the goal (F1 at least
// 0.95) with every walker found and no false alarm on the dusk grain; the
// floors are what the tiers reached when the set was made.
func TestFieldSet(t *testing.T) {
	truth, err := LoadTruth("testdata/field/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		tier             Tier
		minF1, minRecall float64
		maxClutter       int
	}{
		// Frame sizes find nothing here (grain and rate control drown a
		// walker): held at no false alarm, the reason auto is the default.
		{tier: Compressed, minF1: 0, minRecall: 0, maxClutter: 0},
		{tier: Pixel, minF1: 1, minRecall: 1, maxClutter: 0},
		{tier: Gate, minF1: 1, minRecall: 1, maxClutter: 0},
		{tier: Auto, minF1: 1, minRecall: 1, maxClutter: 0},
	}
	for _, tc := range cases {
		t.Run(string(tc.tier), func(t *testing.T) {
			rep, err := Evaluate(truth, "testdata/field", tc.tier, configs.Motion{})
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				rep.Print(os.Stdout)
			}
			s := rep.Scored()
			if s.F1() < tc.minF1 {
				t.Errorf("F1 %.2f, want at least %.2f", s.F1(), tc.minF1)
			}
			if r := rep.Total(SetMotion).Recall(); r < tc.minRecall {
				t.Errorf("recall %.2f, want at least %.2f", r, tc.minRecall)
			}
			if n := rep.Total(SetClutter).FalseAlarms(); n > tc.maxClutter {
				t.Errorf("%d false alarms on clutter clips, want at most %d", n, tc.maxClutter)
			}
		})
	}
}

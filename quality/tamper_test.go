package quality

import (
	"os"
	"testing"

	"github.com/camwatch/camwatch/configs"
)

// TestTamperClips guards the tamper detector on the committed clips. The
// floors are what it reached when the scoring was added (see
// docs/BENCHMARKS.md, "Motion detection quality"): a change that finds
// fewer, finds later or raises more on the normal clips is a regression.
func TestTamperClips(t *testing.T) {
	truth, err := LoadTruth("testdata/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := EvaluateTamper(truth, "testdata/clips", configs.Motion{})
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		rep.Print(os.Stdout)
	}
	floors := struct {
		minFound, maxWrongNormal, maxWrongTamper int
		maxLatency                               float64
	}{minFound: 3, maxWrongNormal: 0, maxWrongTamper: 0, maxLatency: 6}
	_, found, _ := rep.Total(SetTamper)
	if found < floors.minFound {
		t.Errorf("found %d tamper findings on the tamper clips, want at least %d", found, floors.minFound)
	}
	if w := rep.wrongOn(SetMotion, SetClutter); w > floors.maxWrongNormal {
		t.Errorf("%d findings on the motion and clutter clips, want at most %d", w, floors.maxWrongNormal)
	}
	if w := rep.wrongOn(SetTamper); w > floors.maxWrongTamper {
		t.Errorf("%d findings of the wrong kind on the tamper clips, want at most %d", w, floors.maxWrongTamper)
	}
	if l := rep.MaxLatency(); l > floors.maxLatency {
		t.Errorf("slowest finding %.1f s after the tampering began, want at most %.0f s", l, floors.maxLatency)
	}
	// Per clip: whether its truth finding is raised today. The frozen
	// clip's encoder refreshes the stopped picture at every IDR (2 s), so
	// its frames are never identical for 5 s; it is found because the
	// refresh moves far fewer pixels than the camera's live IDRs did.
	cases := []struct {
		clip  string
		found bool
	}{
		{clip: "covered", found: true},
		{clip: "turned-away", found: true},
		{clip: "frozen", found: true},
	}
	for _, tc := range cases {
		t.Run(tc.clip, func(t *testing.T) {
			for _, c := range rep.Clips {
				if c.Clip.Name != tc.clip {
					continue
				}
				if tc.found && c.Found < c.Expected {
					t.Errorf("%v raised, want %v within %.0f s", c.Findings, c.Clip.Tamper, TamperWithin)
				}
				if !tc.found && c.Found > 0 {
					t.Logf("now found (%v): raise the floor", c.Findings)
				}
				return
			}
			t.Fatalf("clip %s not in the set", tc.clip)
		})
	}
}

package quality

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestReadPeerEvents(t *testing.T) {
	cases := []struct {
		name, in string
		clips    int
		ok       bool
	}{
		{name: "two clips", in: "# motion\nwalk-normal 21.3 26.0\n\nrain 17 18\nwalk-normal 37 42\n", clips: 2, ok: true},
		{name: "empty", in: "", ok: true},
		{name: "missing end", in: "walk-normal 21.3\n"},
		{name: "not a number", in: "walk-normal a 2\n"},
		{name: "reversed", in: "walk-normal 5 4\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ReadPeerEvents(strings.NewReader(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err %v, want ok %v", err, tc.ok)
			}
			if len(ev) != tc.clips {
				t.Errorf("%d clips, want %d", len(ev), tc.clips)
			}
		})
	}
}

// TestPeer scores the `motion` daemon's intervals collected by
// scripts/bench-motion.sh; it is skipped unless QUALITY_PEER_EVENTS names
// the file. QUALITY_PEER_WINDOW is "FROM TO" in camera seconds;
// QUALITY_PEER_TRUTH the clip set's truth (default testdata/truth.json).
func TestPeer(t *testing.T) {
	path := os.Getenv("QUALITY_PEER_EVENTS")
	if path == "" {
		t.Skip("QUALITY_PEER_EVENTS not set: run scripts/bench-motion.sh")
	}
	var from, to float64
	if _, err := fmt.Sscanf(os.Getenv("QUALITY_PEER_WINDOW"), "%g %g", &from, &to); err != nil {
		t.Fatalf("QUALITY_PEER_WINDOW: %v", err)
	}
	truth, err := LoadTruth(cmp.Or(os.Getenv("QUALITY_PEER_TRUTH"), "testdata/truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ev, err := ReadPeerEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	rep := ScorePeer(truth, "motion", ev, from, to, 1/truth.FPS)
	rep.Print(os.Stdout)
	s := rep.Scored()
	fmt.Printf("PEER f1=%.3f precision=%.3f recall=%.3f clutter_false=%d onset_max=%.2f\n",
		s.F1(), s.Precision(), s.Recall(), rep.Total(SetClutter).FalseAlarms(), s.MaxOnset())
}

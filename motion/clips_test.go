package motion

import (
	"testing"
	"time"

	"github.com/camwatch/camwatch/simcam"
)

// TestRecordedClips runs the detector over the simulated cameras' clips,
// frame by frame as the edge agent sees them, and compares the intervals
// with the clips' ground truth: every clip with motion gives exactly one
// interval overlapping it, a clip without motion gives none. The clip is
// played three times in a row, as simcam loops it, so an artefact at the
// loop boundary would show up as an extra interval.
func TestRecordedClips(t *testing.T) {
	clips := simcam.Clips()
	if len(clips) == 0 {
		t.Fatal("simcam lists no clips")
	}
	for _, info := range clips {
		t.Run(info.Name, func(t *testing.T) {
			data, err := simcam.ClipData(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			frames, err := parseClipFor(info, data)
			if err != nil {
				t.Fatal(err)
			}
			fps := info.FPS
			if fps <= 0 {
				t.Fatalf("clip %s has fps %d", info.Name, fps)
			}
			if want := int(info.Seconds) * fps; len(frames) != want {
				t.Errorf("parsed %d frames, want %d", len(frames), want)
			}
			d, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			type interval struct{ from, to float64 }
			var got []interval
			var open *interval
			at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second / time.Duration(fps)) }
			const loops = 3
			for i := 0; i < loops*len(frames); i++ {
				f := frames[i%len(frames)]
				tr, ok := d.Observe(at(i), f.size, f.keyframe)
				if !ok {
					continue
				}
				switch tr.Kind {
				case Start:
					open = &interval{from: tr.Started.Sub(t0).Seconds()}
				case End:
					if open == nil {
						t.Fatalf("end without start at frame %d", i)
					}
					open.to = tr.At.Sub(t0).Seconds()
					got = append(got, *open)
					open = nil
				}
			}
			if tr, ok := d.Stop(); ok { // the clip ended while moving
				got = append(got, interval{open.from, tr.At.Sub(t0).Seconds()})
			}
			var truths [][2]float64
			for l := 0; l < loops; l++ {
				for _, tr := range info.Motion {
					off := float64(l) * info.Seconds
					truths = append(truths, [2]float64{tr[0] + off, tr[1] + off})
				}
			}
			if len(got) != len(truths) {
				t.Fatalf("detected %v, ground truth %v", got, truths)
			}
			for i, truth := range truths {
				if g := got[i]; g.to < truth[0] || g.from > truth[1] {
					t.Errorf("interval %v does not overlap the truth %v", g, truth)
				}
			}
		})
	}
}

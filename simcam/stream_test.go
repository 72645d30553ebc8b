package simcam

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

func TestDescribeHasH264WithParameterSets(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam1", Clip: "static-320x240"}}})
	p := mustPlay(t, s.URL("cam1"))
	c, err := loadClip("static-320x240")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.forma.SPS, c.sps) || !bytes.Equal(p.forma.PPS, c.pps) {
		t.Errorf("SDP SPS/PPS = %x/%x, want %x/%x", p.forma.SPS, p.forma.PPS, c.sps, c.pps)
	}
	if p.forma.PacketizationMode != 1 {
		t.Errorf("packetization mode %d, want 1", p.forma.PacketizationMode)
	}
}

func TestFramesLoopWithContinuousTimestamps(t *testing.T) {
	const n = 20 // frames in the test clip: a loop every 1.33 s
	s := start(t, Options{Cameras: []Camera{{ID: "loop", Clip: shortClip(t, "walk-320x240", n)}}})
	p := mustPlay(t, s.URL("loop"))
	frames := p.waitFrames(t, 2*n+10, 10*time.Second)

	idrs := 0
	for i, f := range frames {
		if f.idr {
			idrs++
			if !hasNALU(f.au, naluSPS) || !hasNALU(f.au, naluPPS) {
				t.Errorf("frame %d: IDR without in-band SPS", i)
			}
		}
		if i > 0 && f.ts-frames[i-1].ts != rtpPerFrame {
			t.Fatalf("frame %d: timestamp step %d, want %d", i, int64(f.ts)-int64(frames[i-1].ts), rtpPerFrame)
		}
	}
	if idrs < 2 {
		t.Errorf("%d IDR frames over %d frames of a %d-frame loop, want at least 2", idrs, len(frames), n)
	}
	p.mu.Lock()
	seqErr := p.seqErr
	p.mu.Unlock()
	if seqErr != nil {
		t.Error(seqErr)
	}
	// Pacing: 15 fps in wall-clock time (first frames may come in a burst).
	first, last := frames[5], frames[len(frames)-1]
	fps := float64(len(frames)-1-5) / last.at.Sub(first.at).Seconds()
	if fps < 13.5 || fps > 16.5 {
		t.Errorf("received %.1f fps, want about %d", fps, FPS)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam1", Clip: "dark-320x240"}}})
	_, err := play(t, s.URL("cam1")[:len(s.URL("cam1"))-len("cam1")]+"nope")
	var bad liberrors.ErrClientBadStatusCode
	if !errors.As(err, &bad) || bad.Code != 404 {
		t.Fatalf("play unknown path: err %v, want status 404", err)
	}
}

func TestManyClients(t *testing.T) {
	s := start(t, Options{Cameras: []Camera{{ID: "cam1", Clip: "static-320x240"}}})
	var ps []*player
	for range 4 {
		ps = append(ps, mustPlay(t, s.URL("cam1")))
	}
	for _, p := range ps {
		p.waitFrames(t, 10, 5*time.Second)
	}
	if got := s.Cameras()[0].Clients; got != 4 {
		t.Errorf("clients = %d, want 4", got)
	}
}

func hasNALU(au [][]byte, typ byte) bool {
	for _, n := range au {
		if naluType(n) == typ {
			return true
		}
	}
	return false
}

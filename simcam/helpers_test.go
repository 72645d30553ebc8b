package simcam

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/camwatch/camwatch/testenv"
	"github.com/pion/rtp"
)

// start runs a server for the test and closes it afterwards.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if testing.Verbose() {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// shortClip writes the first n frames of a built-in clip to a file, so a
// test sees the loop boundary within seconds.
func shortClip(t *testing.T, name string, n int) string {
	t.Helper()
	c, err := loadClip(name)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, f := range c.frames[:n] {
		for _, nalu := range f.nalus {
			b = append(b, 0, 0, 0, 1)
			b = append(b, nalu...)
		}
	}
	p := filepath.Join(t.TempDir(), "short.h264")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rxFrame is one access unit as a client received it.
type rxFrame struct {
	ts  uint32
	au  [][]byte
	idr bool
	at  time.Time
}

// player is a gortsplib client playing one camera over TCP.
type player struct {
	c      *gortsplib.Client
	forma  *format.H264
	mu     sync.Mutex
	frames []rxFrame
	pkts   int
	seqErr error
	done   chan error
}

// play connects to url (credentials may be in the URL) and starts playing.
func play(t *testing.T, url string) (*player, error) {
	t.Helper()
	u, err := base.ParseURL(url)
	if err != nil {
		return nil, err
	}
	tcp := gortsplib.ProtocolTCP
	p := &player{c: &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Protocol: &tcp, ReadTimeout: 3 * time.Second}, done: make(chan error, 1)}
	if err := p.c.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(p.c.Close)
	desc, _, err := p.c.Describe(u)
	if err != nil {
		p.c.Close()
		return nil, err
	}
	medi := desc.FindFormat(&p.forma)
	if medi == nil {
		p.c.Close()
		return nil, errors.New("no H.264 in the SDP")
	}
	dec, err := p.forma.CreateDecoder()
	if err != nil {
		return nil, err
	}
	if _, err := p.c.Setup(desc.BaseURL, medi, 0, 0); err != nil {
		p.c.Close()
		return nil, err
	}
	var lastSeq uint16
	first := true
	p.c.OnPacketRTP(medi, p.forma, func(pkt *rtp.Packet) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.pkts++
		if !first && pkt.SequenceNumber != lastSeq+1 && p.seqErr == nil {
			p.seqErr = errors.New("sequence gap")
		}
		first, lastSeq = false, pkt.SequenceNumber
		au, err := dec.Decode(pkt)
		if err != nil {
			return
		}
		f := rxFrame{ts: pkt.Timestamp, au: au, at: time.Now()}
		for _, n := range au {
			if naluType(n) == naluIDR {
				f.idr = true
			}
		}
		p.frames = append(p.frames, f)
	})
	if _, err := p.c.Play(nil); err != nil {
		p.c.Close()
		return nil, err
	}
	go func() { p.done <- p.c.Wait() }()
	return p, nil
}

func mustPlay(t *testing.T, url string) *player {
	t.Helper()
	p, err := play(t, url)
	if err != nil {
		t.Fatalf("play %s: %v", url, err)
	}
	return p
}

func (p *player) snapshot() ([]rxFrame, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]rxFrame(nil), p.frames...), p.pkts
}

// waitFrames waits until the player has received n frames.
func (p *player) waitFrames(t *testing.T, n int, timeout time.Duration) []rxFrame {
	t.Helper()
	var frames []rxFrame
	testenv.Eventually(t, timeout, func() error {
		frames, _ = p.snapshot()
		if len(frames) < n {
			return errors.New("too few frames yet")
		}
		return nil
	})
	return frames
}

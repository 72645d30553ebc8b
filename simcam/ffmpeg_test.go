package simcam

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

// ffmpeg decodes what simcam sends without a single error, across loop
// boundaries and a freeze: what a camera sends must be valid H.264, not just
// packets a lenient client accepts.
func TestFFmpegDecodesCleanly(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	s := start(t, Options{Cameras: []Camera{{ID: "cam", Clip: shortClip(t, "walk-640x360", 30)}}})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp",
		"-i", s.URL("cam"), "-t", "4", "-f", "null", "-")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Freeze once ffmpeg is reading, then let it see the way back.
	testenv.Eventually(t, 10*time.Second, func() error {
		if s.Cameras()[0].Clients < 1 {
			return errors.New("ffmpeg has no session yet")
		}
		return nil
	})
	time.Sleep(time.Second)
	if err := s.Fault("cam", Fault{Kind: FaultFreeze, For: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil || stderr.Len() > 0 {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr.String())
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/redis/go-redis/v9"
)

// acceptedSeqs reads the last sequence number the edge's spool gave out
// per key (a camera id, or "agent:<id>" for heartbeats). Every Append that
// returned nil is at or below it. The spool writes this state file on a
// clean stop, so call it only after the edge exited on SIGTERM.
func (s *system) acceptedSeqs(t *testing.T) map[string]uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.spoolDir, "state.json"))
	if err != nil {
		t.Fatalf("read the edge's spool state: %v", err)
	}
	var st struct {
		Seqs map[string]uint64 `json:"seqs"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("decode the edge's spool state: %v: %s", err, b)
	}
	return st.Seqs
}

var stoppedBacklog = regexp.MustCompile(`edge agent stopped.* backlog=(\d+)`)

// stopEdgeDrained stops the edge cleanly and checks that it forwarded its
// whole spool before exiting: what is left in a spool waits for the next
// start and cannot be in Redis yet.
func (s *system) stopEdgeDrained(t *testing.T) {
	t.Helper()
	s.edge.stop(t, syscall.SIGTERM)
	m := stoppedBacklog.FindAllStringSubmatch(s.edge.out.String(), -1)
	if len(m) == 0 {
		t.Fatalf("the edge did not log its clean stop")
	}
	if n, _ := strconv.Atoi(m[len(m)-1][1]); n != 0 {
		t.Fatalf("the edge stopped with %d events still in its spool", n)
	}
}

// proveExactlyOnce is every fault test's verdict. The edge must have been
// stopped with stopEdgeDrained. For each camera, the events in Redis must
// carry seq 1..N each exactly once, N being the last seq the edge's spool
// accepted, so a lost tail fails as surely as a hole or a repeat. The
// agent's heartbeats (whose ids Redis keeps, not the events) must number N
// too, and the newest stored must be the N-th.
func (s *system) proveExactlyOnce(t *testing.T) {
	t.Helper()
	accepted := s.acceptedSeqs(t)
	opt, err := redis.ParseURL(s.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	ctx := context.Background()
	st := camstate.New(rc, camstate.Options{Prefix: s.prefix})

	var report []string
	testenv.Eventually(t, 30*time.Second, func() error {
		report = report[:0]
		for _, c := range s.cams {
			want := accepted[c.id]
			if want == 0 {
				t.Fatalf("camera %s: the edge accepted no event (spool state %v)", c.id, accepted)
			}
			seqs, err := st.CameraSeqs(ctx, event.CameraRef{Site: "e2e", Camera: c.id})
			if err != nil {
				return err
			}
			if final, err := verdict(want, seqs); err != nil {
				if final {
					t.Fatalf("camera %s: %v", c.id, err)
				}
				return fmt.Errorf("camera %s: %w", c.id, err)
			}
			report = append(report, fmt.Sprintf("%s 1..%d", c.id, want))
		}

		hb := accepted["agent:"+agentID]
		if hb == 0 {
			t.Fatalf("the edge accepted no heartbeat (spool state %v)", accepted)
		}
		n, err := st.AgentHeartbeats(ctx, agentID)
		if err != nil {
			return err
		}
		if uint64(n) > hb {
			t.Fatalf("%d heartbeats stored, but the edge accepted only %d", n, hb)
		}
		last, err := st.AgentSeq(ctx, agentID)
		if err != nil {
			return fmt.Errorf("last heartbeat: %w", err)
		}
		if uint64(n) != hb || last != hb {
			return fmt.Errorf("heartbeats: %d stored, newest seq %d, want %d", n, last, hb)
		}
		report = append(report, fmt.Sprintf("heartbeats 1..%d", hb))
		return nil
	})
	t.Logf("exactly once: %s", strings.Join(report, ", "))
}

// verdict compares the seqs stored for one camera with the last one its
// edge accepted. final says the error cannot heal by waiting (a repeat, or
// a seq the edge never gave out); a missing one may still be on its way.
func verdict(accepted uint64, stored []uint64) (final bool, err error) {
	seen := make(map[uint64]int, len(stored))
	for _, seq := range stored {
		seen[seq]++
	}
	for seq, n := range seen {
		switch {
		case n > 1:
			return true, fmt.Errorf("seq %d stored %d times", seq, n)
		case seq < 1 || seq > accepted:
			return true, fmt.Errorf("seq %d stored, but the edge accepted only 1..%d", seq, accepted)
		}
	}
	for seq := uint64(1); seq <= accepted; seq++ {
		if seen[seq] == 0 {
			return false, fmt.Errorf("%d of %d events stored, first missing seq %d", len(seen), accepted, seq)
		}
	}
	return false, nil
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accepted uint64
		stored   []uint64
		want     string // "" passes; else a substring of the error
		final    bool
	}{
		{name: "complete in any order", accepted: 4, stored: []uint64{3, 1, 4, 2}},
		{name: "lost tail", accepted: 5, stored: []uint64{1, 2, 3}, want: "first missing seq 4"},
		{name: "nothing stored", accepted: 2, want: "0 of 2"},
		{name: "hole", accepted: 3, stored: []uint64{1, 3}, want: "first missing seq 2"},
		{name: "repeat", accepted: 2, stored: []uint64{1, 2, 2}, want: "seq 2 stored 2 times", final: true},
		{name: "beyond what was accepted", accepted: 2, stored: []uint64{1, 2, 3}, want: "seq 3 stored", final: true},
		{name: "seq zero", accepted: 1, stored: []uint64{0, 1}, want: "seq 0 stored", final: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			final, err := verdict(tc.accepted, tc.stored)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("verdict: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("verdict: %v, want an error with %q", err, tc.want)
			case final != tc.final:
				t.Fatalf("final %v, want %v (%v)", final, tc.final, err)
			}
		})
	}
}

// metric sums every series of a counter or gauge in a Prometheus text
// exposition; a metric that is absent reads 0.
func metric(exposition []byte, name string) float64 {
	var sum float64
	for _, line := range strings.Split(string(exposition), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// edgeHealth is the edge's /healthz self-report.
type edgeHealth struct {
	NATS    string `json:"nats"`
	Backlog int64  `json:"backlog"`
	Dropped uint64 `json:"dropped"`
}

func (s *system) edgeHealth() (edgeHealth, error) {
	var h edgeHealth
	body, err := getURL(s.edgeHTTP+"/healthz", "")
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return h, fmt.Errorf("decode edge healthz: %w: %s", err, body)
	}
	return h, nil
}

// readiness is the aggregator's /readyz answer, whatever its status.
type readiness struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

func (s *system) readiness() (readiness, error) {
	var r readiness
	resp, err := httpClient.Get(s.apiBase + "/readyz")
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return r, fmt.Errorf("decode readyz (%s): %w", resp.Status, err)
	}
	if r.Ready != (resp.StatusCode == 200) {
		return r, fmt.Errorf("readyz says ready=%v with status %s", r.Ready, resp.Status)
	}
	return r, nil
}

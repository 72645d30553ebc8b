package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
)

// plantedPassword is the cameras' RTSP password; the test searches every
// log, API answer, metric and stored event for it.
const plantedPassword = "e2e-PLANTED-s3cret-9f2c"

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "camwatch-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "camwatch")
	build := exec.Command("go", "build", "-o", binPath, "../cmd/camwatch")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build camwatch:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one camwatch subprocess with its output kept for inspection.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *testenv.LogBuffer
	done chan struct{}
}

func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &testenv.LogBuffer{}, done: make(chan struct{})}
	bin := binPath
	if alt := os.Getenv("CAMWATCH_E2E_EDGE_BIN"); alt != "" && name == "edge" {
		bin = alt // another build of the edge, to measure it (docs/BENCHMARKS.md)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t, syscall.SIGTERM) })
	return p
}

// stop sends sig and waits; a process that does not exit in 15 s is killed
// and the test fails: shutdown must be clean.
func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not exit within 15 s of %v", p.name, sig)
	}
}

// handedOut are the ports freePort has returned: the kernel hands a
// closed port out again, and tests running in parallel (or two cameras of
// one system) must not get the same one.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

func freePort(t *testing.T) int {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// system is a running simcam + edge + aggregator.
type system struct {
	t          *testing.T
	dir        string
	env        []string
	apiBase    string
	metrics    string
	token      string
	control    string
	aggConfig  string
	edgeConfig string
	spoolDir   string
	edgeHTTP   string
	cams       []camSpec
	simcam     *proc
	edge       *proc
	aggregator *proc
	redisURL   string
	prefix     string
	allLogs    []*proc
}

// camSpec is one simulated camera: its id and the clip it loops.
type camSpec struct{ id, clip string }

var cameras = []camSpec{
	{"cam-static", "static-320x240"},
	{"cam-walk", "walk-320x240"},
	{"cam-dark", "dark-320x240"},
	{"cam-flaky", "static-320x240"},
	{"cam-stall", "static-320x240"},
}

// setup chooses what a system runs against; the zero value is TestSystem's.
type setup struct {
	// cameras defaults to the five of TestSystem.
	cameras []camSpec
	// nats is the broker, with authorization for agent e2e/edge-e2e; nil
	// starts an embedded one for the test.
	nats *testenv.NATSEnv
	// aggRedisURL is what the aggregator dials (a proxy, say); empty is
	// the real Redis. The test itself always reads the real Redis.
	aggRedisURL string
	// statsInterval is the edge's; default 1s. Shorter makes a burst.
	statsInterval time.Duration
	// backoff is the edge's timing.backoff in YAML; default the quick
	// [200ms, 500ms, 1s] of these tests, "" in defaultBackoff for the
	// production steps.
	backoff string
	// timingExtra is added to the edge's timing mapping (", key: value").
	timingExtra string
	// camExtra adds YAML to a camera's simcam and edge entries.
	camExtra map[string]camExtra
	// aggExtra is appended to the aggregator's config.
	aggExtra string
	// env is added to every process's environment.
	env []string
}

// camExtra is YAML added to one camera: sim inside its simcam flow
// mapping ("offline_every: 6s"), edge as lines of its edge entry.
type camExtra struct{ sim, edge string }

// defaultBackoff asks for the edge's production backoff steps.
const defaultBackoff = "default"

const agentID = "edge-e2e"

func startSystem(t *testing.T) *system { return startSystemWith(t, setup{}) }

func startSystemWith(t *testing.T, o setup) *system {
	t.Helper()
	nenv := o.nats
	if nenv == nil {
		nenv = testenv.NATSAuth(t, natsauth.Agent{Site: "e2e", Agent: agentID})
	}
	natsURL := nenv.URL
	if o.cameras == nil {
		o.cameras = cameras
	}
	if o.statsInterval == 0 {
		o.statsInterval = time.Second
	}
	backoff := ", backoff: [200ms, 500ms, 1s]"
	switch o.backoff {
	case "":
	case defaultBackoff:
		backoff = ""
	default:
		backoff = ", backoff: " + o.backoff
	}
	rc, prefix := testenv.Redis(t)
	rc.Close()
	s := &system{t: t, dir: t.TempDir(), redisURL: testenv.RedisURL(), prefix: prefix, cams: o.cameras}
	aggRedis := o.aggRedisURL
	if aggRedis == "" {
		aggRedis = s.redisURL
	}
	s.env = append([]string{"CAM_PASSWORD=" + plantedPassword}, o.env...)
	// Registered first, so it runs after the processes have stopped and
	// their last words are in the buffers.
	t.Cleanup(func() {
		if t.Failed() {
			s.dumpLogs()
		}
	})

	controlPort := freePort(t)
	s.control = fmt.Sprintf("http://127.0.0.1:%d", controlPort)
	var simCams, edgeCams strings.Builder
	for _, c := range o.cameras {
		port := freePort(t)
		x := o.camExtra[c.id]
		if x.sim != "" {
			x.sim = ", " + x.sim
		}
		fmt.Fprintf(&simCams, "  - {id: %s, clip: %s, port: %d%s}\n", c.id, c.clip, port, x.sim)
		fmt.Fprintf(&edgeCams, "  - id: %s\n    url: rtsp://admin@127.0.0.1:%d/%s\n    password_env: CAM_PASSWORD\n    labels: {program: e2e-program, ward: ben-nghe, vendor: simcam}\n%s", c.id, port, c.id, x.edge)
	}
	simcamCfg := writeFile(t, s.dir, "simcam.yaml", fmt.Sprintf(`listen: 127.0.0.1:0
control: 127.0.0.1:%d
username: admin
password_env: CAM_PASSWORD
cameras:
%s`, controlPort, simCams.String()))
	s.spoolDir = filepath.Join(s.dir, "spool")
	edgePort := freePort(t)
	s.edgeHTTP = fmt.Sprintf("http://127.0.0.1:%d", edgePort)
	s.edgeConfig = writeFile(t, s.dir, "edge.yaml", fmt.Sprintf(`site: e2e
agent: %s
nats: {url: %q, creds_file: %q}
spool_dir: %q
metrics_listen: 127.0.0.1:%d
timing: {heartbeat_interval: 1s, stats_interval: %s, stall_timeout: 2s%s%s}
cameras:
%s`, agentID, natsURL, nenv.Auth.AgentCreds["e2e/"+agentID], s.spoolDir, edgePort, o.statsInterval, backoff, o.timingExtra, edgeCams.String()))
	apiPort, metricsPort := freePort(t), freePort(t)
	s.apiBase = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	s.metrics = fmt.Sprintf("http://127.0.0.1:%d", metricsPort)
	s.aggConfig = writeFile(t, s.dir, "aggregator.yaml", fmt.Sprintf(`nats: {url: %q, creds_file: %q}
redis: {url: %q, prefix: %q}
listen: 127.0.0.1:%d
metrics_listen: 127.0.0.1:%d
consumer: {batch: 64, ack_wait: 5s}
agent_timeout: 10s
%s`, natsURL, nenv.Auth.AggregatorCreds, aggRedis, prefix, apiPort, metricsPort, o.aggExtra))

	s.simcam = start(t, "simcam", s.env, "simcam", "-config", simcamCfg)
	s.aggregator = start(t, "aggregator", s.env, "aggregator", "-config", s.aggConfig)
	s.edge = start(t, "edge", s.env, "edge", "-config", s.edgeConfig)
	s.allLogs = []*proc{s.simcam, s.aggregator, s.edge}
	s.waitReady(15 * time.Second)
	s.token = s.createToken("e2e", "admin", "")
	return s
}

// createToken makes an API token the way an operator does: camwatch token
// create against the deployment's NATS, the token alone on stdout.
func (s *system) createToken(name, role, scope string) string {
	s.t.Helper()
	cmd := exec.Command(binPath, "token", "create", "-config", s.aggConfig, "-name", name, "-role", role, "-scope", scope, "-expires", "2h")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("token create: %v\n%s", err, stderr.String())
	}
	tok := strings.TrimSpace(string(out))
	if !strings.HasPrefix(tok, "cwt_") || strings.Count(tok, "\n") != 0 {
		s.t.Fatalf("token create printed %q", out)
	}
	return tok
}

// waitReady waits until the aggregator's /readyz answers 200.
func (s *system) waitReady(within time.Duration) {
	s.t.Helper()
	testenv.Eventually(s.t, within, func() error {
		_, err := s.get("/readyz")
		return err
	})
}

func (s *system) restartAggregator(sig syscall.Signal) {
	s.aggregator.stop(s.t, sig)
	s.startAggregator()
}

// startAggregator starts a new aggregator process; the old one must be gone.
func (s *system) startAggregator() {
	s.aggregator = start(s.t, "aggregator", s.env, "aggregator", "-config", s.aggConfig)
	s.allLogs = append(s.allLogs, s.aggregator)
}

// restartEdge stops the edge with sig and starts it again on the same
// config and spool directory.
func (s *system) restartEdge(sig syscall.Signal) {
	s.edge.stop(s.t, sig)
	s.edge = start(s.t, "edge", s.env, "edge", "-config", s.edgeConfig)
	s.allLogs = append(s.allLogs, s.edge)
}

// dumpLogs prints the tail of every process's output, for a failed test.
func (s *system) dumpLogs() {
	for _, p := range s.allLogs {
		s.t.Logf("---- %s log (last 4000 bytes):\n%s", p.name, tail(p.out.String(), 4000))
	}
}

// httpClient bounds every request, so a hung server fails the poll
// instead of the whole test binary.
var httpClient = &http.Client{Timeout: 5 * time.Second}

// get reads path from the API with the test's admin token (/metrics from
// the metrics listener).
func (s *system) get(path string) ([]byte, error) {
	if path == "/metrics" {
		return getURL(s.metrics+path, "")
	}
	return getURL(s.apiBase+path, s.token)
}

// getURL returns the body of a 200 answer, or an error naming the status.
func getURL(u, token string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	return body, nil
}

type cameraState struct {
	ID     string  `json:"id"`
	Status string  `json:"status"`
	Reason string  `json:"reason"`
	FPS    float64 `json:"fps"`
	Width  int     `json:"width"`
	Codec  string  `json:"codec"`
}

func (s *system) cameras() (map[string]cameraState, error) {
	body, err := s.get("/api/v1/cameras")
	if err != nil {
		return nil, err
	}
	var out struct {
		Cameras []cameraState `json:"cameras"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode cameras: %w: %s", err, body)
	}
	m := map[string]cameraState{}
	for _, c := range out.Cameras {
		m[c.ID] = c
	}
	return m, nil
}

func (s *system) events(camera string, from time.Time, kinds ...string) ([]event.Event, error) {
	q := url.Values{}
	q.Set("from", from.UTC().Format(time.RFC3339Nano))
	q.Set("to", time.Now().Add(time.Minute).UTC().Format(time.RFC3339Nano))
	q.Set("limit", "10000")
	if len(kinds) > 0 {
		q.Set("kind", strings.Join(kinds, ","))
	}
	body, err := s.get("/api/v1/cameras/" + camera + "/events?" + q.Encode())
	if err != nil {
		return nil, err
	}
	var out struct {
		Events []event.Event `json:"events"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode events: %w: %s", err, body)
	}
	return out.Events, nil
}

func (s *system) waitStatus(camera, status string, within time.Duration) (cameraState, time.Duration) {
	s.t.Helper()
	t0 := time.Now()
	var last cameraState
	testenv.Eventually(s.t, within, func() error {
		cams, err := s.cameras()
		if err != nil {
			return err
		}
		last = cams[camera]
		if last.Status != status {
			return fmt.Errorf("camera %s is %q (%s), want %q", camera, last.Status, last.Reason, status)
		}
		return nil
	})
	return last, time.Since(t0)
}

func (s *system) fault(camera, kind string, seconds float64) {
	s.t.Helper()
	if err := s.tryFault(camera, simcam.FaultKind(kind), time.Duration(seconds*float64(time.Second))); err != nil {
		s.t.Fatal(err)
	}
}

func TestSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	t0 := time.Now()
	s := startSystem(t)
	ctx := context.Background()
	_ = ctx

	t.Run("all cameras online", func(t *testing.T) {
		testenv.Eventually(t, 30*time.Second, func() error {
			cams, err := s.cameras()
			if err != nil {
				return err
			}
			for _, c := range cameras {
				st, ok := cams[c.id]
				if !ok || st.Status != "online" {
					return fmt.Errorf("camera %s: %+v", c.id, st)
				}
				if st.Width != 320 || st.Codec == "" {
					return fmt.Errorf("camera %s: size/codec not measured yet: %+v", c.id, st)
				}
			}
			return nil
		})
	})

	t.Run("motion on the walk clip only", func(t *testing.T) {
		// The walk clip loops every 20 s with an object in it from 6 to 12 s.
		var ev []event.Event
		testenv.Eventually(t, 45*time.Second, func() error {
			var err error
			ev, err = s.events("cam-walk", t0, "motion.start", "motion.end")
			if err != nil {
				return err
			}
			if len(ev) < 2 {
				return fmt.Errorf("%d motion events so far", len(ev))
			}
			return nil
		})
		if ev[0].Kind != event.KindMotionStart || ev[1].Kind != event.KindMotionEnd {
			t.Errorf("want motion.start then motion.end, got %s then %s", ev[0].Kind, ev[1].Kind)
		}
		for _, id := range []string{"cam-static", "cam-dark"} {
			quiet, err := s.events(id, t0, "motion.start", "motion.end")
			if err != nil {
				t.Fatal(err)
			}
			if len(quiet) != 0 {
				t.Errorf("%s: %d motion events on a static clip: %+v", id, len(quiet), quiet[0])
			}
		}
	})

	t.Run("offline camera reported within 3 s and back", func(t *testing.T) {
		fault := time.Now()
		s.fault("cam-flaky", "offline", 8)
		st, took := s.waitStatus("cam-flaky", "offline", 10*time.Second)
		t.Logf("offline after %s, reason %s", took, st.Reason)
		if took > 3*time.Second {
			t.Errorf("offline reported %s after the fault, want within 3 s", took)
		}
		evs, err := s.events("cam-flaky", fault, "health")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || evs[0].Health.Status != event.StatusOffline {
			t.Fatalf("no offline health event after the fault: %+v", evs)
		}
		if lag := evs[0].Time.Sub(fault); lag > 3*time.Second {
			t.Errorf("edge declared offline %s after the fault", lag)
		}
		s.waitStatus("cam-flaky", "online", 20*time.Second)
	})

	t.Run("stalled camera reported offline", func(t *testing.T) {
		fault := time.Now()
		s.fault("cam-stall", "stall", 8)
		st, took := s.waitStatus("cam-stall", "offline", 10*time.Second)
		t.Logf("stall reported after %s, reason %s", took, st.Reason)
		if st.Reason != string(event.ReasonStalled) {
			t.Errorf("reason %q, want stalled", st.Reason)
		}
		evs, err := s.events("cam-stall", fault, "health")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			t.Fatal("no health event for the stall")
		}
		// Frames stop at the fault; the stall must be declared within 3 s of the last one.
		if lag := evs[0].Time.Sub(fault); lag > 3*time.Second {
			t.Errorf("stall declared %s after the last frame, want within 3 s", lag)
		}
		s.waitStatus("cam-stall", "online", 25*time.Second)
	})

	t.Run("aggregator killed mid-stream loses and repeats nothing", func(t *testing.T) {
		s.restartAggregator(syscall.SIGKILL)
		time.Sleep(3 * time.Second) // events pile up in JetStream meanwhile
		testenv.Eventually(t, 20*time.Second, func() error {
			_, err := s.get("/readyz")
			return err
		})
		s.restartAggregator(syscall.SIGTERM)
		testenv.Eventually(t, 20*time.Second, func() error {
			_, err := s.get("/readyz")
			return err
		})
		// Stop the edge cleanly so its last events are flushed, then every
		// camera's sequence numbers in Redis must be 1..N, each once.
		s.edge.stop(t, syscall.SIGTERM)
		var report []string
		testenv.Eventually(t, 20*time.Second, func() error {
			report = report[:0]
			for _, c := range cameras {
				evs, err := s.events(c.id, t0.Add(-time.Minute))
				if err != nil {
					return err
				}
				seen := map[uint64]int{}
				var max uint64
				for _, e := range evs {
					seen[e.Seq]++
					if e.Seq > max {
						max = e.Seq
					}
				}
				for seq := uint64(1); seq <= max; seq++ {
					switch seen[seq] {
					case 1:
					case 0:
						return fmt.Errorf("camera %s: seq %d missing (max %d)", c.id, seq, max)
					default:
						t.Errorf("camera %s: seq %d stored %d times", c.id, seq, seen[seq])
					}
				}
				report = append(report, fmt.Sprintf("%s: %d events", c.id, max))
			}
			return nil
		})
		t.Logf("complete and unique: %s", strings.Join(report, ", "))
	})

	t.Run("no secret anywhere", func(t *testing.T) {
		for _, path := range []string{"/api/v1/cameras", "/metrics", "/api/v1/cameras/cam-walk/events?limit=10000&from=" + t0.UTC().Format(time.RFC3339)} {
			body, err := s.get(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(body, []byte(plantedPassword)) {
				t.Errorf("%s leaks the camera password", path)
			}
		}
		for _, p := range s.allLogs {
			if strings.Contains(p.out.String(), plantedPassword) {
				t.Errorf("%s's log leaks the camera password", p.name)
			}
		}
		for _, p := range s.allLogs {
			if strings.Contains(strings.Join(p.cmd.Args, " "), plantedPassword) {
				t.Errorf("%s's command line carries the password", p.name)
			}
		}
		s.checkRedisClean(t)
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/natsauth"
)

// NATSProcs is a cluster of three nats-server processes with JetStream
// on loopback ports and camwatch's generated authorization, built from
// the nats-server module camwatch requires (the embedded version). Unlike
// NATSCluster, a member can be killed (SIGKILL), as a crash or a power
// cut would end it, with whatever it had not written to disk.
type NATSProcs struct {
	*NATSEnv
	// URLs are the members' client URLs, without credentials.
	URLs []string
	// Names are the members' server names (JetStream's peer names).
	Names []string
	confs []string

	mu    sync.Mutex
	procs []*exec.Cmd
}

var natsServerBin struct {
	once sync.Once
	path string
	err  error
}

// natsServer builds the nats-server binary of the required version into
// the temp dir, once for every test process (it stays for the next).
func natsServer() (string, error) {
	b := &natsServerBin
	b.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/nats-io/nats-server/v2").Output()
		version := strings.TrimSpace(string(out))
		if err != nil || version == "" {
			b.err = fmt.Errorf("go list nats-server: %v", err)
			return
		}
		b.path = filepath.Join(os.TempDir(), "camwatch-nats-server-"+version)
		if _, err := os.Stat(b.path); err == nil {
			return
		}
		tmp := fmt.Sprintf("%s.%d", b.path, os.Getpid())
		out, err = exec.Command("go", "build", "-o", tmp, "github.com/nats-io/nats-server/v2").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build nats-server: %v: %s", err, out)
			return
		}
		b.err = os.Rename(tmp, b.path) // atomic: another process may be doing the same
	})
	return b.path, b.err
}

// NATSProcessCluster starts the three members with authorization for
// agents; they stop with the test.
func NATSProcessCluster(t testing.TB, agents ...natsauth.Agent) *NATSProcs {
	t.Helper()
	bin, err := natsServer()
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	dir := t.TempDir()
	res, _ := generate(t, filepath.Join(dir, "auth"), agents...)
	ports := FreePorts(t, 2*n)
	c := &NATSProcs{procs: make([]*exec.Cmd, n)}
	var routes []string
	for i := range n {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(ports[n+i]))
		c.URLs = append(c.URLs, "nats://127.0.0.1:"+strconv.Itoa(ports[i]))
		c.Names = append(c.Names, fmt.Sprintf("camwatch-%d", i))
	}
	for i := range n {
		conf := filepath.Join(dir, c.Names[i]+".conf")
		body := fmt.Sprintf("server_name: %s\nlisten: 127.0.0.1:%d\njetstream { store_dir: %q }\n"+
			"cluster { name: camwatch-test, listen: 127.0.0.1:%d, routes: [%s] }\ninclude auth/auth.conf\n",
			c.Names[i], ports[i], filepath.Join(dir, "js-"+strconv.Itoa(i)), ports[n+i], strings.Join(routes, ", "))
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c.confs = append(c.confs, conf)
	}
	c.NATSEnv = &NATSEnv{URL: strings.Join(c.URLs, ","), Auth: res}
	t.Cleanup(func() {
		for i := range n {
			c.Kill(i)
		}
	})
	for i := range n {
		if err := c.start(bin, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WaitJetStream(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *NATSProcs) start(bin string, i int) error {
	cmd := exec.Command(bin, "-c", c.confs[i])
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start nats-server %d: %w", i, err)
	}
	c.mu.Lock()
	c.procs[i] = cmd
	c.mu.Unlock()
	return nil
}

// Start starts member i again on its own store (after Kill).
func (c *NATSProcs) Start(i int) error {
	bin, err := natsServer()
	if err != nil {
		return err
	}
	return c.start(bin, i)
}

// Kill ends member i at once (SIGKILL).
func (c *NATSProcs) Kill(i int) {
	c.mu.Lock()
	cmd := c.procs[i]
	c.procs[i] = nil
	c.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

// WaitJetStream waits until JetStream answers the aggregator's
// credentials: the members found each other and elected a meta leader.
func (c *NATSProcs) WaitJetStream(timeout time.Duration) error {
	opts, err := natsauth.ClientOptions(c.Aggregator(), "")
	if err != nil {
		return err
	}
	return waitJetStream(c.URL, opts, timeout)
}

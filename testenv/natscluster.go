package testenv

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/broker"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSClusterEnv is a cluster of three embedded NATS servers with
// JetStream on loopback ports, sharing camwatch's generated authorization
// (as NATSAuth). Its URL lists every member, so clients fail over to the
// survivors; streams made with 3 replicas survive the loss of one.
type NATSClusterEnv struct {
	*NATSEnv
	// URLs are the members' client URLs, without credentials; the test
	// user's password is in TestURL.
	URLs []string
	// TestURL lists every member with the test user's credentials.
	TestURL string

	mu    sync.Mutex
	cfgs  []broker.Config
	nodes []*broker.Embedded
}

// NATSCluster starts a three-node cluster with authorization for agents
// (and the test user); it stops with the test.
func NATSCluster(t testing.TB, agents ...natsauth.Agent) *NATSClusterEnv {
	t.Helper()
	const n = 3
	dir := t.TempDir()
	res, pw := generate(t, filepath.Join(dir, "auth"), agents...)
	ports := FreePorts(t, 2*n)
	c := &NATSClusterEnv{NATSEnv: &NATSEnv{Auth: res}, nodes: make([]*broker.Embedded, n)}
	var routes, tests []string
	for i := range n {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(ports[n+i]))
		c.URLs = append(c.URLs, "nats://127.0.0.1:"+strconv.Itoa(ports[i]))
		tests = append(tests, fmt.Sprintf("nats://%s:%s@127.0.0.1:%d", TestUser, pw, ports[i]))
	}
	for i := range n {
		c.cfgs = append(c.cfgs, broker.Config{
			Dir: filepath.Join(dir, fmt.Sprintf("js-%d", i)), Port: ports[i], AuthFile: res.AuthFile,
			Name: fmt.Sprintf("camwatch-%d", i), ClusterName: "camwatch-test", ClusterPort: ports[n+i], Routes: routes,
		})
	}
	c.URL = strings.Join(c.URLs, ",")
	c.TestURL = strings.Join(tests, ",")
	t.Cleanup(c.stopAll)
	// Start all three at once: each waits for the others' routes.
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.Start(i) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WaitJetStream(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

// Start starts member i again on its own dir and ports.
func (c *NATSClusterEnv) Start(i int) error {
	srv, err := broker.StartConfig(c.cfgs[i])
	if err != nil {
		return fmt.Errorf("start nats member %d: %w", i, err)
	}
	c.mu.Lock()
	c.nodes[i] = srv
	if c.Server == nil {
		c.Server = srv
	}
	c.mu.Unlock()
	return nil
}

// Stop shuts member i down (its clients move to the others).
func (c *NATSClusterEnv) Stop(i int) {
	c.mu.Lock()
	srv := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
	}
}

// Node is member i, or nil while it is stopped.
func (c *NATSClusterEnv) Node(i int) *broker.Embedded {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// WaitJetStream waits until JetStream in the cluster answers the test
// user: a meta leader is elected and the account is usable.
func (c *NATSClusterEnv) WaitJetStream(timeout time.Duration) error {
	return waitJetStream(c.TestURL, nil, timeout)
}

// waitJetStream polls until JetStream at url answers a client with opts
// (an account info request): the members found each other and elected a
// meta leader.
func waitJetStream(url string, opts []nats.Option, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		last = func() error {
			nc, err := nats.Connect(url, append(opts, nats.Timeout(time.Second))...)
			if err != nil {
				return err
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err = js.AccountInfo(ctx)
			return err
		}()
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("nats cluster jetstream not ready after %s: %w", timeout, last)
}

func (c *NATSClusterEnv) stopAll() {
	for i := range c.nodes {
		c.Stop(i)
	}
}

package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisClusterEnv is CAMWATCH_REDIS_CLUSTER, comma-separated host:port of
// the shared test cluster's masters; default SharedClusterAddrs.
const RedisClusterEnv = "CAMWATCH_REDIS_CLUSTER"

// SharedClusterAddrs are the loopback ports of the shared three-master
// test cluster that SharedRedisCluster starts when nothing answers there.
var SharedClusterAddrs = []string{"127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"}

// clusterNodeTimeout is the cluster-node-timeout of the clusters started
// here: short, so that a killed primary is replaced within seconds.
const clusterNodeTimeout = 2000

// RedisCluster is a Redis Cluster of real redis-server processes on
// loopback ports, started by StartRedisCluster for one test.
type RedisCluster struct {
	// Addrs lists every node: the masters first, then their replicas.
	Addrs []string
	dir   string
	bus   map[string]int // cluster bus port per node (ephemeral ports + 10000 overflow)

	mu    sync.Mutex
	procs map[string]*exec.Cmd
}

// RedisClusterOptions shape a private cluster.
type RedisClusterOptions struct {
	// Masters defaults to 3.
	Masters int
	// Replicas per master; 1 lets a test kill or fail over a primary.
	Replicas int
}

// StartRedisCluster starts a cluster of its own for t (a test that kills
// or fails over nodes must not do that to the shared one), on free
// loopback ports in a temp dir; it stops with the test.
func StartRedisCluster(t testing.TB, o RedisClusterOptions) *RedisCluster {
	t.Helper()
	if o.Masters <= 0 {
		o.Masters = 3
	}
	n := o.Masters * (1 + o.Replicas)
	c := &RedisCluster{dir: t.TempDir(), procs: map[string]*exec.Cmd{}, bus: map[string]int{}}
	ports := FreePorts(t, 2*n)
	for i := range n {
		a := "127.0.0.1:" + strconv.Itoa(ports[i])
		c.Addrs = append(c.Addrs, a)
		c.bus[a] = ports[n+i]
	}
	t.Cleanup(c.stopAll)
	for _, a := range c.Addrs {
		if err := c.Start(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := createCluster(c.Addrs, o.Replicas); err != nil {
		t.Fatal(err)
	}
	if err := waitClusterOK(c.Addrs, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// A replica that has not synced yet cannot take over: wait for all.
	if err := waitReplicasSynced(c.Addrs[o.Masters:], 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitReplicasSynced(addrs []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, err := rdb.Info(context.Background(), "replication").Result()
			if err == nil && strings.Contains(info, "master_link_status:up") {
				break
			}
			if time.Now().After(deadline) {
				_ = rdb.Close()
				return fmt.Errorf("replica %s has not synced with its master: %v", a, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = rdb.Close()
	}
	return nil
}

// Client is a cluster client on every node's address; it closes with t.
// It rereads the slot map every second: go-redis otherwise keeps sending
// a dead primary's slots to it for ClusterStateReloadInterval (60 s),
// since a refused connection is no MOVED.
func (c *RedisCluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, ClusterStateReloadInterval: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Start (re)starts the node at addr, which keeps its cluster identity
// (nodes.conf in the cluster's dir) and so rejoins the cluster.
func (c *RedisCluster) Start(addr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.procs[addr] != nil {
		return fmt.Errorf("redis node %s already runs", addr)
	}
	cmd := exec.Command("redis-server", nodeArgs(addr, c.bus[addr], c.dir, false)...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server %s (is redis-server installed? `make test` installs it): %w", addr, err)
	}
	c.procs[addr] = cmd
	return waitPing(addr, 10*time.Second)
}

// Kill stops the node at addr at once (SIGKILL), as a crash would.
func (c *RedisCluster) Kill(addr string) {
	c.mu.Lock()
	cmd := c.procs[addr]
	delete(c.procs, addr)
	c.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
}

// Masters returns the addresses of the nodes that serve slots now, as the
// first node that answers sees them.
func (c *RedisCluster) Masters(ctx context.Context) ([]string, error) {
	slots, err := c.slots(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range slots {
		if len(s.Nodes) > 0 && !slices.Contains(out, s.Nodes[0].Addr) {
			out = append(out, s.Nodes[0].Addr)
		}
	}
	slices.Sort(out)
	return out, nil
}

// slots is the slot map as the first node that answers sees it.
func (c *RedisCluster) slots(ctx context.Context) ([]redis.ClusterSlot, error) {
	for _, a := range c.Addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1, DialTimeout: time.Second})
		slots, err := rdb.ClusterSlots(ctx).Result()
		_ = rdb.Close()
		if err == nil {
			return slots, nil
		}
	}
	return nil, errors.New("no redis cluster node answers")
}

// WaitOK waits until every running node says cluster_state:ok.
func (c *RedisCluster) WaitOK(timeout time.Duration) error {
	c.mu.Lock()
	var up []string
	for a := range c.procs {
		up = append(up, a)
	}
	c.mu.Unlock()
	return waitClusterOK(up, timeout)
}

func (c *RedisCluster) stopAll() {
	c.mu.Lock()
	addrs := make([]string, 0, len(c.procs))
	for a := range c.procs {
		addrs = append(addrs, a)
	}
	c.mu.Unlock()
	for _, a := range addrs {
		c.Kill(a)
	}
}

// SharedRedisCluster connects to the shared three-master test cluster
// (RedisClusterEnv, or SharedClusterAddrs started here when nothing
// answers: idempotent, and it stays up for the next package, as the Redis
// at REDIS_URL does) and returns a cluster client and a key prefix unique
// to this test; the prefix's keys are deleted afterwards.
func SharedRedisCluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	addrs := SharedClusterAddrs
	if v := os.Getenv(RedisClusterEnv); v != "" {
		addrs = strings.Split(v, ",")
	}
	if err := ensureSharedCluster(addrs); err != nil {
		t.Fatalf("redis cluster at %v: %v", addrs, err)
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	prefix := uniquePrefix(t)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = rdb.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			iter := m.Scan(ctx, 0, prefix+":*", 1000).Iterator()
			for iter.Next(ctx) {
				m.Del(ctx, iter.Val())
			}
			return nil
		})
		_ = rdb.Close()
	})
	return rdb, prefix
}

// ensureSharedCluster starts and joins the shared cluster's nodes unless
// they already form a healthy cluster; a lock file keeps two test
// processes from doing it at once.
func ensureSharedCluster(addrs []string) error {
	if waitClusterOK(addrs, 0) == nil {
		return nil
	}
	dir := filepath.Join(os.TempDir(), "camwatch-redis-cluster")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if waitClusterOK(addrs, 0) == nil {
		return nil // another process made it meanwhile
	}
	for _, a := range addrs {
		if waitPing(a, 0) == nil {
			continue
		}
		out, err := exec.Command("redis-server", nodeArgs(a, 0, dir, true)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("start redis-server %s: %v: %s", a, err, out)
		}
		if err := waitPing(a, 10*time.Second); err != nil {
			return err
		}
	}
	// Nodes restarted with their nodes.conf rejoin by themselves.
	if waitClusterOK(addrs, 5*time.Second) == nil {
		return nil
	}
	// A half-made or stale cluster: start it afresh (only ours, on these
	// test ports, holds nothing but test keys).
	ctx := context.Background()
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		_ = rdb.FlushAll(ctx).Err()
		_ = rdb.ClusterResetHard(ctx).Err()
		_ = rdb.Close()
	}
	if err := createCluster(addrs, 0); err != nil {
		return err
	}
	return waitClusterOK(addrs, 30*time.Second)
}

// nodeArgs are a cluster node's redis-server arguments; bus 0 leaves the
// cluster bus on port + 10000.
func nodeArgs(addr string, bus int, dir string, daemon bool) []string {
	host, port, _ := net.SplitHostPort(addr)
	var args []string
	if bus > 0 {
		args = append(args, "--cluster-port", strconv.Itoa(bus))
	}
	args = append(args,
		"--port", port, "--bind", host, "--cluster-enabled", "yes",
		"--cluster-config-file", "nodes-"+port+".conf", "--cluster-node-timeout", strconv.Itoa(clusterNodeTimeout),
		"--dir", dir, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--logfile", "redis-"+port+".log")
	if daemon {
		args = append(args, "--daemonize", "yes", "--pidfile", filepath.Join(dir, "redis-"+port+".pid"))
	}
	return args
}

func createCluster(addrs []string, replicas int) error {
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	return nil
}

func waitPing(addr string, timeout time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	deadline := time.Now().Add(timeout)
	for {
		err := rdb.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis node %s does not answer: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitClusterOK waits until every node in addrs says cluster_state:ok and
// all 16384 slots are assigned; timeout 0 checks once.
func waitClusterOK(addrs []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := clusterOK(addrs)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func clusterOK(addrs []string) error {
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
		info, err := rdb.ClusterInfo(context.Background()).Result()
		_ = rdb.Close()
		if err != nil {
			return fmt.Errorf("node %s: %w", a, err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_assigned:16384") {
			return fmt.Errorf("node %s: cluster not ok", a)
		}
	}
	return nil
}

// FreePorts returns n distinct free loopback TCP ports (free when asked;
// a server started at once on them gets them).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		_ = ln.Close()
	}
	return out
}

func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("cwtest-%d-%s", time.Now().UnixNano(), strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
}

// RedisServer is a redis-server of one test's own on a free loopback
// port, for tests that kill it or measure its memory.
type RedisServer struct {
	Addr string
	dir  string
	cmd  *exec.Cmd
}

// StartRedis starts a private redis-server (no persistence); it stops
// with the test.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	s := &RedisServer{Addr: "127.0.0.1:" + strconv.Itoa(FreePorts(t, 1)[0]), dir: t.TempDir()}
	t.Cleanup(s.Kill)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Start (re)starts the server on its port.
func (s *RedisServer) Start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--logfile", "redis.log")
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server (is it installed? `make test` installs it): %w", err)
	}
	return waitPing(s.Addr, 10*time.Second)
}

// Kill stops the server at once (SIGKILL).
func (s *RedisServer) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Client connects to the server; it closes with t.
func (s *RedisServer) Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// MigrateSlot moves slot to the master at to the way redis-cli --cluster
// reshard does (SETSLOT IMPORTING/MIGRATING, MIGRATE key by key, SETSLOT
// NODE on every master), pausing between keys so that clients writing the
// slot meet its ASK and TRYAGAIN window. halfway, when not nil, runs
// after the first key (key) moved, while the slot is split between the
// nodes.
func (c *RedisCluster) MigrateSlot(ctx context.Context, slot int, to string, pause time.Duration, halfway func(from, key string) error) error {
	node := func(a string) *redis.Client { return redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1}) }
	masters, err := c.Masters(ctx)
	if err != nil {
		return err
	}
	from, err := c.SlotOwner(ctx, slot)
	if err != nil {
		return err
	}
	if from == to {
		return fmt.Errorf("slot %d is on %s already", slot, to)
	}
	src, dst := node(from), node(to)
	defer src.Close()
	defer dst.Close()
	srcID, err := src.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return err
	}
	dstID, err := dst.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return err
	}
	if err := dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID).Err(); err != nil {
		return fmt.Errorf("setslot importing: %w", err)
	}
	if err := src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID).Err(); err != nil {
		return fmt.Errorf("setslot migrating: %w", err)
	}
	host, port, _ := net.SplitHostPort(to)
	moved := 0
	for {
		ks, err := src.ClusterGetKeysInSlot(ctx, slot, 1).Result()
		if err != nil {
			return err
		}
		if len(ks) == 0 {
			break
		}
		if err := src.Migrate(ctx, host, port, ks[0], 0, 5*time.Second).Err(); err != nil {
			return fmt.Errorf("migrate %s: %w", ks[0], err)
		}
		moved++
		if moved == 1 && halfway != nil {
			if err := halfway(from, ks[0]); err != nil {
				return err
			}
		}
		time.Sleep(pause)
	}
	// The new owner first, then the old, then everyone else (as
	// redis-cli does), so no node points the slot back at the source.
	for _, a := range append([]string{to, from}, masters...) {
		n := node(a)
		err := n.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err()
		_ = n.Close()
		if err != nil {
			return fmt.Errorf("setslot node on %s: %w", a, err)
		}
	}
	return nil
}

// SlotOwner is the address of the master serving slot now.
func (c *RedisCluster) SlotOwner(ctx context.Context, slot int) (string, error) {
	slots, err := c.slots(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range slots {
		if slot >= s.Start && slot <= s.End && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("no node names the owner of slot %d", slot)
}

// Pause stops the node at addr (SIGSTOP) until Resume: a replica that
// falls behind, so its primary holds writes it has not received.
func (c *RedisCluster) Pause(addr string) error { return c.signal(addr, syscall.SIGSTOP) }

// Resume continues a paused node (SIGCONT).
func (c *RedisCluster) Resume(addr string) error { return c.signal(addr, syscall.SIGCONT) }

func (c *RedisCluster) signal(addr string, sig syscall.Signal) error {
	c.mu.Lock()
	cmd := c.procs[addr]
	c.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("redis node %s does not run", addr)
	}
	return cmd.Process.Signal(sig)
}

// ReplicaOf is the address of a replica of the master at addr.
func (c *RedisCluster) ReplicaOf(ctx context.Context, addr string) (string, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	info, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return "", err
	}
	// slave0:ip=127.0.0.1,port=7104,state=online,offset=...,lag=0
	for line := range strings.SplitSeq(info, "\r\n") {
		if !strings.HasPrefix(line, "slave0:") {
			continue
		}
		var ip, port string
		for _, kv := range strings.Split(strings.TrimPrefix(line, "slave0:"), ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "ip":
				ip = v
			case "port":
				port = v
			}
		}
		return net.JoinHostPort(ip, port), nil
	}
	return "", fmt.Errorf("redis node %s has no replica", addr)
}

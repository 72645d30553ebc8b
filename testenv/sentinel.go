package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name the sentinels of StartSentinel watch.
const SentinelMaster = "camwatch"

// Sentinel is a Redis primary with one replica, watched by three
// sentinels (quorum 2), all real redis-server processes on loopback ports
// of one test.
type Sentinel struct {
	// Nodes are the primary (first, at start) and the replica.
	Nodes []string
	// Sentinels are the sentinels' addresses.
	Sentinels []string
	dir       string
	procs     map[string]*exec.Cmd
}

// StartSentinel starts the primary, its replica and three sentinels; they
// stop with the test.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	ports := FreePorts(t, 5)
	s := &Sentinel{dir: t.TempDir(), procs: map[string]*exec.Cmd{}}
	for _, p := range ports[:2] {
		s.Nodes = append(s.Nodes, "127.0.0.1:"+strconv.Itoa(p))
	}
	for _, p := range ports[2:] {
		s.Sentinels = append(s.Sentinels, "127.0.0.1:"+strconv.Itoa(p))
	}
	t.Cleanup(s.stopAll)
	for i, a := range s.Nodes {
		_, port, _ := net.SplitHostPort(a)
		args := []string{"--port", port, "--bind", "127.0.0.1", "--dir", s.dir, "--save", "", "--appendonly", "no",
			"--repl-diskless-sync-delay", "0", "--dbfilename", "dump-" + port + ".rdb", "--logfile", "redis-" + port + ".log"}
		if i > 0 {
			host, pport, _ := net.SplitHostPort(s.Nodes[0])
			args = append(args, "--replicaof", host, pport)
		}
		if err := s.run(a, args); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitReplicasSynced(s.Nodes[1:], 30*time.Second); err != nil {
		t.Fatal(err)
	}
	host, pport, _ := net.SplitHostPort(s.Nodes[0])
	for _, a := range s.Sentinels {
		_, port, _ := net.SplitHostPort(a)
		conf := filepath.Join(s.dir, "sentinel-"+port+".conf")
		body := strings.Join([]string{
			"port " + port, "bind 127.0.0.1", "dir " + s.dir, "logfile sentinel-" + port + ".log",
			fmt.Sprintf("sentinel monitor %s %s %s 2", SentinelMaster, host, pport),
			"sentinel down-after-milliseconds " + SentinelMaster + " 1000",
			"sentinel failover-timeout " + SentinelMaster + " 5000",
			"sentinel parallel-syncs " + SentinelMaster + " 1", "",
		}, "\n")
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := s.run(a, []string{conf, "--sentinel"}); err != nil {
			t.Fatal(err)
		}
	}
	// Ready once every sentinel knows the replica and its peers.
	Eventually(t, 30*time.Second, func() error {
		for _, a := range s.Sentinels {
			sc := redis.NewSentinelClient(&redis.Options{Addr: a})
			m, err := sc.Master(context.Background(), SentinelMaster).Result()
			_ = sc.Close()
			if err != nil {
				return err
			}
			if m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return fmt.Errorf("sentinel %s: %s replicas, %s other sentinels", a, m["num-slaves"], m["num-other-sentinels"])
			}
		}
		return nil
	})
	return s
}

func (s *Sentinel) run(addr string, args []string) error {
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server %s (is it installed? `make test` installs it): %w", addr, err)
	}
	s.procs[addr] = cmd
	return waitPing(addr, 10*time.Second)
}

// Client is a failover client that asks the sentinels for the primary;
// it closes with t.
func (s *Sentinel) Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{MasterName: SentinelMaster, Addrs: s.Sentinels})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Primary asks a sentinel which node is the primary now.
func (s *Sentinel) Primary(ctx context.Context) (string, error) {
	var last error
	for _, a := range s.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: a})
		addr, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
		_ = sc.Close()
		if err == nil && len(addr) == 2 {
			return net.JoinHostPort(addr[0], addr[1]), nil
		}
		last = err
	}
	return "", fmt.Errorf("no sentinel names the primary: %w", last)
}

// Failover makes the sentinels promote the replica now (SENTINEL
// FAILOVER), as an operator would before maintenance.
func (s *Sentinel) Failover(ctx context.Context) error {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0]})
	defer sc.Close()
	if err := sc.Failover(ctx, SentinelMaster).Err(); err != nil {
		return fmt.Errorf("sentinel failover: %w", err)
	}
	return nil
}

// Kill stops the node or sentinel at addr at once (SIGKILL).
func (s *Sentinel) Kill(addr string) {
	cmd := s.procs[addr]
	delete(s.procs, addr)
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
}

func (s *Sentinel) stopAll() {
	for a := range s.procs {
		s.Kill(a)
	}
}

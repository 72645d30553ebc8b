package testenv

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ProcessCPU is this process's user + system CPU time so far: with
// RedisCPU, what a benchmark reports per operation besides wall time,
// which on shared cores mostly measures the queue for a core.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// RedisCPU sums used_cpu_user + used_cpu_sys (INFO cpu) of the
// redis-servers at addrs: a private server or cluster of one benchmark
// serves nothing else, so the difference over a loop is its cost.
func RedisCPU(ctx context.Context, addrs []string) (time.Duration, error) {
	var sum float64
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		info, err := c.Info(ctx, "cpu").Result()
		_ = c.Close()
		if err != nil {
			return 0, err
		}
		for line := range strings.SplitSeq(info, "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			if k == "used_cpu_user" || k == "used_cpu_sys" {
				f, _ := strconv.ParseFloat(v, 64)
				sum += f
			}
		}
	}
	return time.Duration(sum * float64(time.Second)), nil
}

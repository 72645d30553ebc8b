package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// pickRedis returns url when a Redis answers there, and otherwise starts an
// embedded Redis-protocol server (miniredis, in memory) and returns its URL.
// The choice is said in one log line.
func pickRedis(ctx context.Context, url string, logger *slog.Logger) (string, func(), error) {
	if opt, err := redis.ParseURL(url); err == nil {
		c := redis.NewClient(opt)
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err = c.Ping(pctx).Err()
		cancel()
		c.Close()
		if err == nil {
			n, err := clearPrefix(ctx, opt, Prefix)
			if err != nil {
				return "", nil, err
			}
			logger.Info("using Redis at REDIS_URL", "redis", opt.Addr, "prefix", Prefix, "cleared_keys", n)
			return url, func() {}, nil
		}
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start embedded redis: %w", err)
	}
	logger.Warn("no Redis answered at REDIS_URL; using an embedded in-memory Redis-protocol server (miniredis): data is lost at exit",
		"redis_url", redactRedis(url), "embedded", m.Addr())
	return "redis://" + m.Addr() + "/0", m.Close, nil
}

// Prefix is the demo's Redis key prefix. Each demo starts a new JetStream
// and new agent spools, so what an earlier demo left under this prefix is
// stale (its sequence numbers are ahead of the new agent's) and is deleted.
const Prefix = "camwatch-demo"

func clearPrefix(ctx context.Context, opt *redis.Options, prefix string) (int, error) {
	c := redis.NewClient(opt)
	defer c.Close()
	n := 0
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := c.Del(ctx, iter.Val()).Err(); err != nil {
			return n, fmt.Errorf("clear demo keys: %w", err)
		}
		n++
	}
	if err := iter.Err(); err != nil {
		return n, fmt.Errorf("clear demo keys: %w", err)
	}
	return n, nil
}

func redactRedis(u string) string {
	if opt, err := redis.ParseURL(u); err == nil {
		return opt.Addr
	}
	return "(unparsable)"
}

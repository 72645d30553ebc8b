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
			logger.Info("using Redis at REDIS_URL", "redis", opt.Addr)
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

func redactRedis(u string) string {
	if opt, err := redis.ParseURL(u); err == nil {
		return opt.Addr
	}
	return "(unparsable)"
}

package demo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// pickRedis returns url when a Redis answers there and no other demo
// holds it, and otherwise starts an embedded Redis-protocol server
// (miniredis, in memory) and returns its URL. The choice is said in one
// log line. A demo on the real Redis holds a lease on prefix's keys
// (prefix + "-lock", renewed until the returned func is called): a
// second demo on the same machine would otherwise clear the first one's
// keys and write into them, and both would lose events and alerts.
func pickRedis(ctx context.Context, url, prefix string, logger *slog.Logger) (string, func(), error) {
	if opt, err := redis.ParseURL(url); err == nil {
		c := redis.NewClient(opt)
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err = c.Ping(pctx).Err()
		cancel()
		if err == nil {
			release, held, err := holdLease(ctx, c, prefix+"-lock", logger)
			if err != nil {
				c.Close()
				return "", nil, err
			}
			if held {
				n, err := clearPrefix(ctx, c, prefix)
				if err != nil {
					release()
					return "", nil, err
				}
				logger.Info("using Redis at REDIS_URL", "redis", opt.Addr, "prefix", prefix, "cleared_keys", n)
				return url, release, nil
			}
			c.Close()
			logger.Warn("another camwatch demo is using the Redis at REDIS_URL; this one uses an embedded in-memory Redis-protocol server (miniredis), so neither clears the other's keys: data is lost at exit",
				"redis", opt.Addr, "lock", prefix+"-lock")
			return embedded()
		}
		c.Close()
	}
	url2, closeRedis, err := embedded()
	if err == nil {
		logger.Warn("no Redis answered at REDIS_URL; using an embedded in-memory Redis-protocol server (miniredis): data is lost at exit",
			"redis_url", redactRedis(url), "embedded", url2)
	}
	return url2, closeRedis, err
}

func embedded() (string, func(), error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return "redis://" + m.Addr() + "/0", m.Close, nil
}

// leaseTTL is how long a demo's lease outlives its last renewal (a
// killed demo frees Redis for the next one after this long).
const leaseTTL = 15 * time.Second

// releaseScript deletes the lease only while it is still ours.
var releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// renewScript extends the lease only while it is still ours.
var renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// holdLease takes key (SET NX with leaseTTL) and renews it every third of
// that until the returned release is called, which also closes c. held
// is false when another holder has it; release is then nil.
func holdLease(ctx context.Context, c *redis.Client, key string, logger *slog.Logger) (release func(), held bool, err error) {
	token := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	ok, err := c.SetNX(ctx, key, token, leaseTTL).Result()
	if err != nil {
		return nil, false, fmt.Errorf("demo redis lease %s: %w", key, err)
	}
	if !ok {
		return nil, false, nil
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n, err := renewScript.Run(context.Background(), c, []string{key}, token, leaseTTL.Milliseconds()).Int()
				if err != nil || n == 0 {
					logger.Error("the demo lost its lease on Redis: another demo may now clear its keys", "lock", key, "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-stopped
			_ = releaseScript.Run(context.Background(), c, []string{key}, token).Err()
			c.Close()
		})
	}, true, nil
}

// Prefix is the demo's Redis key prefix. Each demo starts a new JetStream
// and new agent spools, so what an earlier demo left under this prefix is
// stale (its sequence numbers are ahead of the new agent's) and is deleted.
const Prefix = "camwatch-demo"

func clearPrefix(ctx context.Context, c *redis.Client, prefix string) (int, error) {
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

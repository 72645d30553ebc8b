package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// checkRedisClean dumps every key under the test's prefix and fails if the
// planted password is in any of them.
func (s *system) checkRedisClean(t *testing.T) {
	t.Helper()
	opt, err := redis.ParseURL(s.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	keys, err := c.Keys(ctx, s.prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatalf("no keys under %s: the aggregator wrote nothing", s.prefix)
	}
	for _, k := range keys {
		dump, err := readKey(ctx, c, k)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(dump, plantedPassword) {
			t.Errorf("redis key %s holds the camera password", k)
		}
	}
}

// readKey returns everything a key holds as text (DUMP would compress it).
func readKey(ctx context.Context, c *redis.Client, k string) (string, error) {
	typ, err := c.Type(ctx, k).Result()
	if err != nil {
		return "", err
	}
	var parts []string
	switch typ {
	case "string":
		v, err := c.Get(ctx, k).Result()
		return v, err
	case "hash":
		m, err := c.HGetAll(ctx, k).Result()
		if err != nil {
			return "", err
		}
		for f, v := range m {
			parts = append(parts, f, v)
		}
	case "zset":
		parts, err = c.ZRange(ctx, k, 0, -1).Result()
	case "set":
		parts, err = c.SMembers(ctx, k).Result()
	case "list":
		parts, err = c.LRange(ctx, k, 0, -1).Result()
	case "stream":
		msgs, err2 := c.XRange(ctx, k, "-", "+").Result()
		err = err2
		for _, m := range msgs {
			for f, v := range m.Values {
				parts = append(parts, f, fmt.Sprint(v))
			}
		}
	}
	return strings.Join(parts, "\n"), err
}

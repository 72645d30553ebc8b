package demo

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/testenv"
)

// TestSecondDemoLeavesRedisAlone: two demos on one machine share
// REDIS_URL. The first holds it; the second neither clears nor touches
// the first one's keys but runs on an embedded Redis and says so; once the
// first stops, the next demo gets the real Redis again.
func TestSecondDemoLeavesRedisAlone(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := context.Background()
	url := testenv.RedisURL()
	var logs testenv.LogBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	first, release1, err := pickRedis(ctx, url, prefix, log)
	if err != nil {
		t.Fatal(err)
	}
	if first != url {
		t.Fatalf("first demo got %s, want REDIS_URL %s", first, url)
	}
	if err := rdb.Set(ctx, prefix+":camera", "first demo's", 0).Err(); err != nil {
		t.Fatal(err)
	}

	second, release2, err := pickRedis(ctx, url, prefix, log)
	if err != nil {
		t.Fatal(err)
	}
	if second == url || !strings.HasPrefix(second, "redis://127.0.0.1:") {
		t.Errorf("second demo got %s, want an embedded Redis", second)
	}
	release2()
	if got := rdb.Get(ctx, prefix+":camera").Val(); got != "first demo's" {
		t.Errorf("the second demo cleared the first one's keys: %q", got)
	}
	if logs.Count("another camwatch demo is using the Redis at REDIS_URL") != 1 {
		t.Errorf("the second demo did not say why it runs on an embedded Redis:\n%s", logs.String())
	}

	release1()
	if n := rdb.Exists(ctx, prefix+"-lock").Val(); n != 0 {
		t.Errorf("the first demo's lease is still there after it stopped")
	}
	third, release3, err := pickRedis(ctx, url, prefix, log)
	if err != nil {
		t.Fatal(err)
	}
	defer release3()
	defer rdb.Del(ctx, prefix+"-lock")
	if third != url {
		t.Errorf("after the first stopped, the next demo got %s, want REDIS_URL", third)
	}
	if rdb.Exists(ctx, prefix+":camera").Val() != 0 {
		t.Error("the next demo did not clear the stale keys of the one before")
	}
}

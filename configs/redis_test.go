package configs

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestAggregatorRedis: one server, a cluster or Sentinel, each giving the
// matching client; mixing them or bad addresses name the field.
func TestAggregatorRedis(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, err string
		client          func(redis.UniversalClient) bool
	}{
		{"default", "{}", "", func(c redis.UniversalClient) bool { _, ok := c.(*redis.Client); return ok }},
		{"cluster", "redis: {cluster: ['127.0.0.1:7101', '127.0.0.1:7102']}", "", func(c redis.UniversalClient) bool {
			_, ok := c.(*redis.ClusterClient)
			return ok
		}},
		{"sentinel", "redis: {sentinel: {master: camwatch, addrs: ['127.0.0.1:26379']}}", "", func(c redis.UniversalClient) bool {
			_, ok := c.(*redis.Client) // a failover client is a *redis.Client asking the sentinels
			return ok
		}},
		{"url and cluster", "redis: {url: 'redis://h:1/0', cluster: ['h:2']}", "redis: use one of url, cluster or sentinel", nil},
		{"bad cluster addr", "redis: {cluster: ['h:2', 'nope']}", `redis.cluster[1]: "nope" is not host:port`, nil},
		{"sentinel without master", "redis: {sentinel: {addrs: ['h:1']}}", "redis.sentinel.master", nil},
		{"sentinel without addrs", "redis: {sentinel: {master: m}}", "redis.sentinel.addrs", nil},
		{"wait on a cluster", "redis: {cluster: ['h:2', 'h:3'], wait_replicas: 1}", "", func(c redis.UniversalClient) bool {
			_, ok := c.(*redis.ClusterClient)
			return ok
		}},
		{"negative wait", "redis: {url: 'redis://h:1/0', wait_replicas: -1}", "redis.wait_replicas: must not be negative", nil},
		{"password in url", "redis: {url: 'redis://:hunter2@h:1/0'}", "redis.url: must not contain a password", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Aggregator
			err := Parse([]byte(tc.yaml), &c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rdb, err := c.Redis.Client("")
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if !tc.client(rdb) {
				t.Errorf("client %T", rdb)
			}
		})
	}
}

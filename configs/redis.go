package configs

import (
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

func (r *Redis) validate() error {
	modes := 0
	for _, set := range []bool{r.URL != "", len(r.Cluster) > 0, r.Sentinel != nil} {
		if set {
			modes++
		}
	}
	if modes > 1 {
		return fieldErr("redis", "use one of url, cluster or sentinel")
	}
	if err := addrs("redis.cluster", r.Cluster); err != nil {
		return err
	}
	switch {
	case r.WaitReplicas < 0:
		return fieldErr("redis.wait_replicas", "must not be negative")
	}
	if s := r.Sentinel; s != nil {
		if s.Master == "" {
			return fieldErr("redis.sentinel.master", "names the master the sentinels watch; it is empty")
		}
		if len(s.Addrs) == 0 {
			return fieldErr("redis.sentinel.addrs", "lists the sentinels (host:port); it is empty")
		}
		if err := addrs("redis.sentinel.addrs", s.Addrs); err != nil {
			return err
		}
	}
	if modes == 0 {
		r.URL = "redis://127.0.0.1:6379/0"
	}
	if r.URL == "" {
		return nil
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fieldErr("redis.url", "%q is not a redis:// URL", redactURL(r.URL))
	}
	if _, has := u.User.Password(); has {
		return fieldErr("redis.url", "must not contain a password; use password_env")
	}
	return nil
}

func addrs(field string, list []string) error {
	for i, a := range list {
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" || n < 1 || n > 65535 {
			return fieldErr(field+"["+strconv.Itoa(i)+"]", "%q is not host:port", a)
		}
	}
	return nil
}

// Client opens the client r describes (not yet connected): a cluster
// client, a Sentinel failover client or a plain one, all as
// redis.UniversalClient. url overrides r.URL when set (tests, the demo).
func (r Redis) Client(override string) (redis.UniversalClient, error) {
	pw := r.Password.Reveal()
	switch {
	case override == "" && len(r.Cluster) > 0:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: r.Cluster, Password: pw,
			// A dead primary's slots move to its replica; reread the
			// map soon, since a refused connection is no MOVED.
			ClusterStateReloadInterval: ClusterStateReload}), nil
	case override == "" && r.Sentinel != nil:
		return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: r.Sentinel.Master,
			SentinelAddrs: r.Sentinel.Addrs, Password: pw, SentinelPassword: pw}), nil
	}
	u := r.URL
	if override != "" {
		u = override
	}
	o, err := redis.ParseURL(u)
	if err != nil {
		return nil, fieldErr("redis.url", "%q: %v", redactURL(u), err)
	}
	if pw != "" {
		o.Password = pw
	}
	return redis.NewClient(o), nil
}

// ClusterStateReload is how often a cluster client rereads the slot map
// (go-redis's default is 60 s, during which a failed-over primary's slots
// would still be sent to the dead node).
const ClusterStateReload = 2 * time.Second

package aggregator

import (
	"time"

	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/uptime"
	"github.com/redis/go-redis/v9"
)

// uptimeAPI hands the API a reader of the keys the ingester writes and the
// SLA targets of the config, so reports need no state of their own.
func uptimeAPI(cfg *configs.Aggregator, rdb redis.UniversalClient) *api.Uptime {
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		loc = nil // validated already; nil falls back to Ho Chi Minh City
	}
	src := uptime.NewSource(rdb, uptime.SourceOptions{
		Prefix: cfg.Redis.Prefix, AgentTimeout: cfg.AgentTimeout, Stale: cfg.Uptime.Stale, Silent: cfg.Uptime.Silent,
	})
	return &api.Uptime{
		Source: src, Maintenance: src,
		Location: loc, Targets: cfg.Uptime.Programs, DefaultTarget: cfg.Uptime.Target,
	}
}

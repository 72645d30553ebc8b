package aggregator

import (
	"github.com/camwatch/camwatch/camstate"
	"time"

	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/uptime"
)

// uptimeAPI hands the API a reader of the status history in the store and the
// SLA targets of the config, so reports need no state of their own.
func uptimeAPI(cfg *configs.Aggregator, st *camstate.Store) *api.Uptime {
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		loc = nil // validated already; nil falls back to Ho Chi Minh City
	}
	src := uptime.NewSource(st, uptime.SourceOptions{
		AgentTimeout: cfg.AgentTimeout, Stale: cfg.Uptime.Stale, Silent: cfg.Uptime.Silent,
	})
	return &api.Uptime{
		Source: src, Maintenance: src,
		Location: loc, Targets: cfg.Uptime.Programs, DefaultTarget: cfg.Uptime.Target,
		Generated: st,
	}
}

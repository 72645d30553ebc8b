package edge

import (
	"context"
	"time"

	"github.com/camwatch/camwatch/event"
)

// spoolStats is what the heartbeat reports about the spool.
type spoolStats interface {
	Backlog() int64
	Dropped() uint64
	Epoch() string
}

// heartbeat proves the agent alive every interval, with how many cameras
// it watches, how many are online and how much waits in the spool, so the
// aggregator can tell a dead agent from dead cameras.
type heartbeat struct {
	out      *emitter
	version  string
	started  time.Time
	interval time.Duration
	sups     []*Supervisor
	spool    spoolStats // nil when there is none
}

func (h *heartbeat) run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	h.beat(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.beat(now)
		}
	}
}

func (h *heartbeat) beat(now time.Time) {
	hb := &event.Heartbeat{
		Version:   h.version,
		Started:   h.started.UTC().Round(0),
		IntervalS: h.interval.Seconds(),
		Cameras:   len(h.sups),
	}
	for _, s := range h.sups {
		if s.Online() {
			hb.Online++
		}
	}
	if h.spool != nil {
		hb.Backlog, hb.Dropped, hb.Epoch = h.spool.Backlog(), h.spool.Dropped(), h.spool.Epoch()
	}
	ev := h.out.newEvent(event.KindHeartbeat, "", event.Labels{}, now)
	ev.Heartbeat = hb
	h.out.emit(ev)
}

package configs

import (
	"strings"
	"time"
)

// Uptime holds what the ward agreed with each community program: the
// uptime percent its cameras must reach over a report window (see
// docs/uptime.md).
type Uptime struct {
	// Target applies to every group without a target of its own; 0 means
	// no target (no group is marked as having missed it).
	Target float64 `yaml:"target"`
	// Programs maps a program label to its target in percent.
	Programs map[string]float64 `yaml:"programs"`
	// Stale takes a camera as removed when it has sent nothing for this
	// long while its agent still sends heartbeats; default 1h.
	Stale time.Duration `yaml:"stale"`
	// Silent makes a camera's time unknown from its last event on when it
	// has sent nothing for this long while its agent still sends
	// heartbeats (until Stale calls it removed); default 2m, at least
	// three of the agents' stats intervals.
	Silent time.Duration `yaml:"silent"`
}

func (u *Uptime) validate() error {
	if u.Target < 0 || u.Target > 100 {
		return fieldErr("uptime.target", "must be 0 to 100 percent, got %v", u.Target)
	}
	for p, t := range u.Programs {
		if strings.TrimSpace(p) == "" {
			return fieldErr("uptime.programs", "a program name is empty")
		}
		if t < 0 || t > 100 {
			return fieldErr("uptime.programs."+p, "must be 0 to 100 percent, got %v", t)
		}
	}
	if err := positive("uptime.stale", &u.Stale, time.Hour); err != nil {
		return err
	}
	if err := positive("uptime.silent", &u.Silent, 2*time.Minute); err != nil {
		return err
	}
	if u.Silent > u.Stale {
		return fieldErr("uptime.silent", "must not be longer than uptime.stale (%s), got %s", u.Stale, u.Silent)
	}
	return nil
}

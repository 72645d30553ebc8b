package camstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// ErrNoClip: no ingested clip event names a clip for that motion event
// (none was recorded, or it passed retention).
var ErrNoClip = errors.New("no clip")

// ClipRef is what the ingested clip event of a motion says about its MP4:
// where it is and the digest the edge computed.
type ClipRef struct {
	Site, Camera, Agent string
	Object, SHA256      string
	Bytes               int64
	// Time is the clip event's time (for finding it among the events).
	Time time.Time
}

func clipRefValue(e *event.Event) string {
	c := e.Clip
	return strings.Join([]string{e.Site, e.Camera, e.Agent, c.Object, c.SHA256,
		strconv.FormatInt(c.Bytes, 10), strconv.FormatInt(e.Time.UnixMilli(), 10)}, " ")
}

// ClipRef returns the clip of motion event id, from the first ingested
// clip event naming it (set once, like the snapshots' expectations).
func (s *Store) ClipRef(ctx context.Context, motion string) (*ClipRef, error) {
	v, err := s.rdb.Get(ctx, s.k.clipRef(motion)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoClip
	}
	if err != nil {
		return nil, fmt.Errorf("clip %s: %w", motion, err)
	}
	f := strings.Split(v, " ")
	if len(f) != 7 {
		return nil, fmt.Errorf("clip %s: damaged reference", motion)
	}
	n, _ := strconv.ParseInt(f[5], 10, 64)
	t, _ := strconv.ParseInt(f[6], 10, 64)
	return &ClipRef{Site: f[0], Camera: f[1], Agent: f[2], Object: f[3], SHA256: f[4], Bytes: n, Time: time.UnixMilli(t)}, nil
}

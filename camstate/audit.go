package camstate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// CameraSeqs returns the seq of every event Redis holds for camera, once
// per stored event (a repeat would show twice), as the roll-ups record
// them, for the per-camera sequence audit that proves exactly-once
// ingestion.
func (s *Store) CameraSeqs(ctx context.Context, camera event.CameraRef) ([]uint64, error) {
	mins, err := s.Stats(ctx, camera, time.Unix(0, 0), time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := make([]uint64, 0, 3*len(mins))
	for _, m := range mins {
		out = append(out, m.Seqs...)
		out = append(out, m.Others...)
	}
	return out, nil
}

// AgentSeq is the seq of the newest heartbeat stored for agent (0: none).
func (s *Store) AgentSeq(ctx context.Context, agent string) (uint64, error) {
	n, err := s.rdb.HGet(ctx, s.k.agent(agent), "seq").Uint64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redis agent %s: %w", agent, err)
	}
	return n, nil
}

// AgentHeartbeats is how many distinct heartbeats of agent were stored
// (the seqs its state remembers, over its last spool epochs): equal to
// the newest seq when none was lost or repeated.
func (s *Store) AgentHeartbeats(ctx context.Context, agent string) (uint64, error) {
	raw, err := s.rdb.HGet(ctx, s.k.agent(agent), "done").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("redis agent %s: %w", agent, err)
	}
	return parseDone(raw).Count(), nil
}

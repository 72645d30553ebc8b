package camstate

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// CameraSeqs returns the seq of every event Redis holds for camera, once
// per stored event (a repeat would show twice), for the per-camera
// sequence audit that proves exactly-once ingestion.
func (s *Store) CameraSeqs(ctx context.Context, camera string) ([]uint64, error) {
	raw, err := s.rdb.ZRange(ctx, s.k.cameraEvents(camera), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis events %s: %w", camera, err)
	}
	out := make([]uint64, 0, len(raw))
	for _, r := range raw {
		seq, ok := memberSeq(r)
		if !ok {
			return nil, fmt.Errorf("camera %s: undecodable event in Redis: %.80s", camera, r)
		}
		out = append(out, seq)
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

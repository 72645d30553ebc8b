package camstate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// CameraSeqs returns the seq of every event Redis holds for camera, once
// per stored event (a repeat would show twice): those in the events ZSET
// and the stats samples in the roll-ups, for the per-camera sequence
// audit that proves exactly-once ingestion.
func (s *Store) CameraSeqs(ctx context.Context, camera string) ([]uint64, error) {
	raw, err := s.rdb.ZRange(ctx, s.k.cameraEvents(camera), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis events %s: %w", camera, err)
	}
	mins, err := s.Stats(ctx, camera, time.Unix(0, 0), time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		return nil, err
	}
	out := make([]uint64, 0, len(raw)+2*len(mins))
	for _, m := range mins {
		out = append(out, m.Seqs...)
	}
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

// AgentHeartbeats is how many distinct heartbeats of agent were stored
// (the seqs its state remembers, over its last spool epochs): equal to
// the newest seq when none was lost or repeated.
func (s *Store) AgentHeartbeats(ctx context.Context, agent string) (uint64, error) {
	raw, err := s.rdb.HGet(ctx, s.k.agent(agent), "done").Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redis agent %s: %w", agent, err)
	}
	var n uint64
	for ep := range strings.SplitSeq(raw, ";") {
		_, ranges, _ := strings.Cut(ep, "=")
		for r := range strings.SplitSeq(ranges, ",") {
			a, b, ok := strings.Cut(r, "-")
			lo, err1 := strconv.ParseUint(a, 10, 64)
			hi, err2 := strconv.ParseUint(b, 10, 64)
			if ok && err1 == nil && err2 == nil && hi >= lo {
				n += hi - lo + 1
			}
		}
	}
	return n, nil
}

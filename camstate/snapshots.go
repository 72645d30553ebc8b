package camstate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/camwatch/camwatch/event"
	"github.com/redis/go-redis/v9"
)

// ErrNoSnapshot: the event has no stored snapshot (never sent, dropped
// at the edge, refused, or past retention).
var ErrNoSnapshot = errors.New("no snapshot")

// Errors of PutSnapshot.
var (
	// ErrSnapshotUnexpected: no ingested event references this snapshot
	// (yet: the event may still be on its way).
	ErrSnapshotUnexpected = errors.New("no event references this snapshot")
	// ErrSnapshotRefused: the snapshot does not match the event that
	// references it (digest, sending agent); it is not stored.
	ErrSnapshotRefused = errors.New("snapshot refused")
	// ErrSnapshotExists: a snapshot is already stored for the event; the
	// first one stays.
	ErrSnapshotExists = errors.New("snapshot already stored")
)

// Snapshot returns the JPEG stored for event id.
func (s *Store) Snapshot(ctx context.Context, id string) ([]byte, error) {
	ref, err := s.rdb.Get(ctx, s.k.snapshotRef(id)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	site, camera, _ := strings.Cut(ref, " ")
	b, err := s.rdb.Get(ctx, s.k.snapshot(site, camera, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", id, err)
	}
	return b, nil
}

// SnapshotCamera returns the site and camera a snapshot is of, from the
// event that referenced it, so the API can check the camera's scope
// before it serves the picture.
func (s *Store) SnapshotCamera(ctx context.Context, id string) (site, camera string, err error) {
	v, err := s.rdb.Get(ctx, s.k.snapshotRef(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", "", ErrNoSnapshot
	}
	if err != nil {
		return "", "", fmt.Errorf("snapshot %s: %w", id, err)
	}
	site, camera, _ = strings.Cut(v, " ")
	return site, camera, nil
}

// ExpectSnapshots records, for each event that references a snapshot with
// a digest, which agent may send it and its SHA-256, for as long as
// events are kept. The first record of an event id wins (SET NX), so a
// replayed or forged event cannot change what an earlier one expects.
func (s *Store) ExpectSnapshots(ctx context.Context, evs []*event.Event) error {
	n := 0
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range evs {
			if c := e.Clip; c != nil {
				n++
				p.SetNX(ctx, s.k.clipRef(c.Motion), clipRefValue(e), s.opts.EventRetention)
			}
			sn := e.Snapshot
			if sn == nil || sn.SHA256 == "" {
				continue
			}
			n++
			p.SetNX(ctx, s.k.snapshotWant(e.Site, e.Camera, e.ID), e.Agent+" "+sn.SHA256, s.opts.EventRetention)
			p.SetNX(ctx, s.k.snapshotRef(e.ID), e.Site+" "+e.Camera, s.opts.EventRetention)
		}
		return nil
	})
	if n > 0 && err != nil {
		return fmt.Errorf("expect snapshots: %w", err)
	}
	return nil
}

// PutSnapshot stores jpeg, sent by agent on site and camera's subject for
// event id, once (store-if-absent), and only when an ingested event of
// that site, camera and agent names its SHA-256.
func (s *Store) PutSnapshot(ctx context.Context, site, agent, camera, id string, jpeg []byte) error {
	want, err := s.rdb.Get(ctx, s.k.snapshotWant(site, camera, id)).Result()
	if errors.Is(err, redis.Nil) {
		return ErrSnapshotUnexpected
	}
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	wantAgent, wantSum, _ := strings.Cut(want, " ")
	if wantAgent != agent {
		return fmt.Errorf("%w: sent by agent %s, the event's agent is %s", ErrSnapshotRefused, agent, wantAgent)
	}
	sum := sha256.Sum256(jpeg)
	if got := hex.EncodeToString(sum[:]); got != wantSum {
		return fmt.Errorf("%w: sha256 %s, the event says %s", ErrSnapshotRefused, got, wantSum)
	}
	ok, err := s.rdb.SetNX(ctx, s.k.snapshot(site, camera, id), jpeg, s.opts.EventRetention).Result()
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	if !ok {
		return ErrSnapshotExists
	}
	return nil
}

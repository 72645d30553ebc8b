package camstate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	// The camera's latest picture, for the console's thumbnails: the one
	// stored last (a redelivered older one may win for a while; the next
	// thumbnail or motion start replaces it).
	latest := id + " " + strconv.FormatInt(s.opts.Now().UnixMilli(), 10)
	if err := s.rdb.Set(ctx, s.k.snapshotLatest(site, camera), latest, s.opts.EventRetention).Err(); err != nil {
		return fmt.Errorf("snapshot %s latest: %w", id, err)
	}
	return nil
}

// LatestSnapshot is a camera's newest stored snapshot.
type LatestSnapshot struct {
	// ID is the event id the picture is served by
	// (/api/v1/events/{id}/snapshot).
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// LatestSnapshotOf returns the JPEG of a camera's newest stored
// snapshot (chat notifications send it with a firing alert).
func (s *Store) LatestSnapshotOf(ctx context.Context, site, camera string) ([]byte, error) {
	v, err := s.rdb.Get(ctx, s.k.snapshotLatest(site, camera)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("latest snapshot of %s/%s: %w", site, camera, err)
	}
	id, _, _ := strings.Cut(v, " ")
	b, err := s.rdb.Get(ctx, s.k.snapshot(site, camera, id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoSnapshot
	}
	if err != nil {
		return nil, fmt.Errorf("latest snapshot of %s/%s: %w", site, camera, err)
	}
	return b, nil
}

// latestSnapshots fills in each camera's newest snapshot, in one round trip.
func (s *Store) latestSnapshots(ctx context.Context, cams []Camera) error {
	cmds := make([]*redis.StringCmd, len(cams))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range cams {
			cmds[i] = p.Get(ctx, s.k.snapshotLatest(cams[i].Site, cams[i].ID))
		}
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redis latest snapshots: %w", err)
	}
	for i, c := range cmds {
		id, ms, ok := strings.Cut(c.Val(), " ")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil || id == "" {
			continue
		}
		cams[i].Snapshot = &LatestSnapshot{ID: id, At: time.UnixMilli(n).UTC()}
	}
	return nil
}

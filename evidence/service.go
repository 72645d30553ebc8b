package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/uptime"
	"github.com/nats-io/nats.go/jetstream"
)

// Buckets of the object store.
const (
	// ClipsBucket receives the edge agents' clips; its TTL and size
	// limit bound what clips cost (evidence.clips_ttl, clips_max_bytes).
	ClipsBucket = event.ClipsBucket
	// HoldsBucket keeps what open cases hold, without a TTL, until an
	// admin closes the case.
	HoldsBucket = "CAMWATCH_HOLDS"
)

// EventSource says which events the aggregator accepted (their bytes
// come from the events stream) and serves snapshots; *camstate.Store
// implements it.
type EventSource interface {
	StoredSource
	Snapshot(ctx context.Context, id string) ([]byte, error)
}

// HistorySource reads the status history coverage is computed from;
// *uptime.Source implements it.
type HistorySource interface {
	Cameras(ctx context.Context, ids []event.CameraRef, w uptime.Span) (*uptime.History, error)
}

// AuditQuerier finds a case's audit records; *audit.Log implements it.
type AuditQuerier interface {
	Query(ctx context.Context, q audit.Query) ([]audit.Record, error)
}

// Options configure the service.
type Options struct {
	JS       jetstream.JetStream
	Replicas int
	Events   EventSource
	History  HistorySource
	Audit    AuditQuerier
	// AuditStream is the audit stream's name (audit.DefaultStream).
	AuditStream string
	// EventsStream is the events stream (stream.name, default
	// CAMWATCH_EVENTS): held events are its messages' bytes.
	EventsStream string
	// Key signs bundles; nil refuses every export.
	Key *signing.Key
	// ClipsTTL and ClipsMaxBytes limit the clips bucket (defaults 72 h
	// and 1 GiB).
	ClipsTTL      time.Duration
	ClipsMaxBytes int64
	// Location is the site's zone, stated in manifests.
	Location *time.Location
	Version  string
	// MaxSkew is the ingester's admission.max_skew (Reader.MaxSkew).
	MaxSkew time.Duration
	// MaxEventsPerCamera bounds what one case holds per camera (default
	// 100000).
	MaxEventsPerCamera int
	Logger             *slog.Logger
	Now                func() time.Time
}

// Service runs cases, holds, clips and exports.
type Service struct {
	Cases *Cases
	clips jetstream.ObjectStore
	holds jetstream.ObjectStore
	o     Options
	log   *slog.Logger
	mu    sync.Mutex // one hold sync at a time
}

// Open creates or opens the cases bucket and both object store buckets.
func Open(ctx context.Context, o Options) (*Service, error) {
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.ClipsTTL <= 0 {
		o.ClipsTTL = 72 * time.Hour
	}
	if o.ClipsMaxBytes <= 0 {
		o.ClipsMaxBytes = 1 << 30
	}
	if o.EventsStream == "" {
		o.EventsStream = "CAMWATCH_EVENTS"
	}
	if o.AuditStream == "" {
		o.AuditStream = audit.DefaultStream
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.MaxEventsPerCamera <= 0 {
		o.MaxEventsPerCamera = 100000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cases, err := OpenCases(ctx, o.JS, o.Replicas)
	if err != nil {
		return nil, err
	}
	clips, err := EnsureClips(ctx, o.JS, o.ClipsTTL, o.ClipsMaxBytes, o.Replicas)
	if err != nil {
		return nil, err
	}
	holds, err := o.JS.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: HoldsBucket, Description: "camwatch case holds: kept until the case is closed",
		Storage: jetstream.FileStorage, Replicas: o.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bucket %s: %v", ErrUnavailable, HoldsBucket, err)
	}
	return &Service{Cases: cases, clips: clips, holds: holds, o: o, log: o.Logger}, nil
}

// EnsureClips creates or updates the clips bucket.
func EnsureClips(ctx context.Context, js jetstream.JetStream, ttl time.Duration, maxBytes int64, replicas int) (jetstream.ObjectStore, error) {
	os, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: ClipsBucket, Description: "camwatch event clips (MP4) from the edge agents",
		TTL: ttl, MaxBytes: maxBytes, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bucket %s: %v", ErrUnavailable, ClipsBucket, err)
	}
	return os, nil
}

// PublicKey is the evidence key's public half, nil without a key.
func (s *Service) PublicKey() ed25519.PublicKey {
	if s.o.Key == nil {
		return nil
	}
	return s.o.Key.Public()
}

// Location is the zone manifests state.
func (s *Service) Location() *time.Location { return s.o.Location }

// Create opens a case (its cameras resolved and checked by the caller)
// and holds what it covers at once.
func (s *Service) Create(ctx context.Context, c *Case) (*Case, error) {
	if err := c.CheckNew(); err != nil {
		return nil, err
	}
	if len(c.Cameras) == 0 {
		return nil, fmt.Errorf("%w: the area names no camera", ErrInput)
	}
	c.OpenedAt = s.o.Now().UTC()
	if err := s.Cases.Create(ctx, c); err != nil {
		return nil, err
	}
	return s.Sync(ctx, c.ID)
}

// Close ends a case's hold: its held copies are deleted, the case stays
// on record as closed.
func (s *Service) Close(ctx context.Context, id, by, note string) (*Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.Cases.Update(ctx, id, func(c *Case) error {
		if c.Status == StatusClosed {
			return ErrClosed
		}
		now := s.o.Now().UTC()
		c.Status, c.ClosedBy, c.ClosedAt, c.CloseNote = StatusClosed, by, &now, note
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.release(ctx, id); err != nil {
		return c, err
	}
	return c, nil
}

// release deletes a closed case's held objects.
func (s *Service) release(ctx context.Context, id string) error {
	list, err := s.holds.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: holds: %v", ErrUnavailable, err)
	}
	prefix := id + "/"
	for _, info := range list {
		if len(info.Name) > len(prefix) && info.Name[:len(prefix)] == prefix {
			if err := s.holds.Delete(ctx, info.Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
				return fmt.Errorf("%w: release %s: %v", ErrUnavailable, info.Name, err)
			}
		}
	}
	return nil
}

// sweep deletes held copies of closed cases that a close left behind
// (its release failed half-way, say the object store went away): a
// closed case holds nothing.
func (s *Service) sweep(ctx context.Context, cases []*Case) error {
	closed := map[string]bool{}
	for _, c := range cases {
		if c.Status == StatusClosed {
			closed[c.ID] = true
		}
	}
	if len(closed) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.holds.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: holds: %v", ErrUnavailable, err)
	}
	for _, info := range list {
		id, _, ok := strings.Cut(info.Name, "/")
		if !ok || !closed[id] {
			continue
		}
		if err := s.holds.Delete(ctx, info.Name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			return fmt.Errorf("%w: release %s: %v", ErrUnavailable, info.Name, err)
		}
		s.log.Info("released a closed case's copy left behind", "object", info.Name)
	}
	return nil
}

// RunHolds syncs every open case's hold each period until ctx ends, so
// events that arrive after a case was opened (its window still open, a
// spool drained late) are held before the hot retention removes them.
func (s *Service) RunHolds(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cases, err := s.Cases.List(ctx)
		if err != nil {
			s.log.Warn("case holds not synced", "err", err)
			continue
		}
		if err := s.sweep(ctx, cases); err != nil && ctx.Err() == nil {
			s.log.Warn("closed cases' copies not released", "err", err)
		}
		for _, c := range cases {
			if c.Status != StatusOpen {
				continue
			}
			if _, err := s.Sync(ctx, c.ID); err != nil && ctx.Err() == nil {
				s.log.Warn("case hold not synced", "case", c.ID, "err", err)
			}
		}
	}
}

// Clip returns a clip's MP4 from the clips bucket, or from a case's hold
// when the bucket's TTL removed it, only when its SHA-256 equals the
// digest the edge recorded; ErrNoClip otherwise.
func (s *Service) Clip(ctx context.Context, ref *camstate.ClipRef, motion string) ([]byte, error) {
	b, err := s.clips.GetBytes(ctx, ref.Object)
	if err == nil && hexSum(b) == ref.SHA256 {
		return b, nil
	}
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: clip %s: %v", ErrUnavailable, ref.Object, err)
	}
	// A held copy (held only after its digest was checked).
	list, lerr := s.holds.List(ctx)
	if lerr == nil {
		want := "/" + ClipPath(motion)
		for _, info := range list {
			if len(info.Name) > len(want) && info.Name[len(info.Name)-len(want):] == want {
				if hb, err := s.holds.GetBytes(ctx, info.Name); err == nil && hexSum(hb) == ref.SHA256 {
					return hb, nil
				}
			}
		}
	}
	return nil, camstate.ErrNoClip
}

func (s *Service) heldBytes(ctx context.Context, name string) ([]byte, bool, error) {
	b, err := s.holds.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: hold %s: %v", ErrUnavailable, name, err)
	}
	return b, true, nil
}

func (s *Service) putHeld(ctx context.Context, name string, data []byte) error {
	if _, err := s.holds.Put(ctx, jetstream.ObjectMeta{Name: name}, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("%w: hold %s: %v", ErrUnavailable, name, err)
	}
	return nil
}

func isNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrObjectNotFound) || errors.Is(err, jetstream.ErrNoObjectsFound)
}

func isDigest(err error) bool { return errors.Is(err, jetstream.ErrDigestMismatch) }

package evidence

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/uptime"
)

// Names of a case's held objects.
func heldEvents(id string) string   { return id + "/" + EventsFile }
func heldCoverage(id string) string { return id + "/" + CoverageFile }
func heldMissing(id string) string  { return id + "/missing.json" }
func heldFile(id, p string) string  { return id + "/" + p }

// heldEvent is one line of a held events.jsonl.
type heldEvent struct {
	data []byte
	e    *event.Event
}

// Sync copies what a case covers from the hot stores into its hold:
// every event of its cameras in its window (merged with what is held
// already, so events the hot retention removed stay), their snapshots and
// clips (only with the digest the edge recorded), and the coverage. When
// any store cannot be read it fails and the case is not marked synced.
func (s *Service) Sync(ctx context.Context, id string) (*Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _, err := s.Cases.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusOpen {
		return nil, ErrClosed
	}
	evs, capped, err := s.syncEvents(ctx, c)
	if err != nil {
		return nil, err
	}
	held := Held{Events: len(evs), Capped: capped}
	var missing []Missing
	for _, he := range evs {
		e := he.e
		if sn := e.Snapshot; sn != nil && sn.SHA256 != "" {
			n, why, err := s.holdSnapshot(ctx, c.ID, e)
			if err != nil {
				return nil, err
			}
			if why != "" {
				missing = append(missing, Missing{Event: e.ID, Path: SnapshotPath(e.ID), Reason: why})
			} else {
				held.Snapshots++
				held.Bytes += n
			}
		}
		if cl := e.Clip; cl != nil {
			n, why, err := s.holdClip(ctx, c.ID, e)
			if err != nil {
				return nil, err
			}
			if why != "" {
				missing = append(missing, Missing{Event: e.ID, Path: ClipPath(cl.Motion), Reason: why})
			} else {
				held.Clips++
				held.Bytes += n
			}
		}
	}
	cov, err := s.coverage(ctx, c)
	if err != nil {
		return nil, err
	}
	if cov, err = s.keepCoverage(ctx, c.ID, cov); err != nil {
		return nil, err
	}
	covData, err := json.MarshalIndent(cov, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	if err := s.putHeld(ctx, heldCoverage(c.ID), append(covData, '\n')); err != nil {
		return nil, err
	}
	if missing == nil {
		missing = []Missing{}
	}
	mData, _ := json.Marshal(missing)
	if err := s.putHeld(ctx, heldMissing(c.ID), mData); err != nil {
		return nil, err
	}
	held.Missing = len(missing)
	held.At = s.o.Now().UTC()
	return s.Cases.Update(ctx, c.ID, func(c *Case) error {
		if c.Status != StatusOpen {
			return ErrClosed
		}
		c.Held = held
		return nil
	})
}

// syncEvents merges the held events.jsonl with the case's events found
// now: their bytes exactly as the agents sent them, from the JetStream
// events stream, for every event the aggregator accepted (its seq is
// stored in Redis; a message the ingester refused, say a forged one, is
// never held). What the stream has aged out stays held from earlier
// syncs. The union is written back,
// ordered by time, camera and sequence.
//
// capped names the cameras (site/camera) whose events in the window
// exceed MaxEventsPerCamera, now or at an earlier sync: the hold keeps the
// first that many, and the manifest says so.
func (s *Service) syncEvents(ctx context.Context, c *Case) (out []heldEvent, capped []string, err error) {
	byID := map[string]heldEvent{}
	old, _, err := s.heldBytes(ctx, heldEvents(c.ID))
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(old))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.Clone(sc.Bytes())
		var e event.Event
		if json.Unmarshal(line, &e) == nil {
			byID[e.ID] = heldEvent{line, &e}
		}
	}
	r := Reader{JS: s.o.JS, Stream: s.o.EventsStream, Stored: s.o.Events, MaxSkew: s.o.MaxSkew}
	full, err := r.Read(ctx, c.Cameras, c.Query.From, c.Query.To, nil, s.o.MaxEventsPerCamera, func(data []byte, e *event.Event) {
		if _, held := byID[e.ID]; !held {
			byID[e.ID] = heldEvent{bytes.Clone(data), e}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if full == nil {
		full = map[string]bool{}
	}
	for _, ref := range c.Held.Capped {
		full[ref] = true
	}
	for ref := range full {
		capped = append(capped, ref)
	}
	slices.Sort(capped)
	out = make([]heldEvent, 0, len(byID))
	for _, he := range byID {
		out = append(out, he)
	}
	slices.SortFunc(out, func(a, b heldEvent) int {
		if c := a.e.Time.Compare(b.e.Time); c != 0 {
			return c
		}
		if c := a.e.Ref().Compare(b.e.Ref()); c != 0 {
			return c
		}
		return int(a.e.Seq) - int(b.e.Seq)
	})
	var buf bytes.Buffer
	for _, he := range out {
		buf.Write(he.data)
		buf.WriteByte('\n')
	}
	if !bytes.Equal(buf.Bytes(), old) {
		if err := s.putHeld(ctx, heldEvents(c.ID), buf.Bytes()); err != nil {
			return nil, nil, err
		}
	}
	return out, capped, nil
}

// keepCoverage merges a fresh coverage with the held one, camera by
// camera: the fresh one replaces the held one unless it knows less of the
// window (fewer seconds in any state), which is what the hot retention
// trimming the status history looks like. So the held coverage grows
// while the window is open and late reports arrive, and never shrinks
// when the history it was computed from is gone.
func (s *Service) keepCoverage(ctx context.Context, id string, fresh []CameraCoverage) ([]CameraCoverage, error) {
	data, ok, err := s.heldBytes(ctx, heldCoverage(id))
	if err != nil || !ok {
		return fresh, err
	}
	var held []CameraCoverage
	if json.Unmarshal(data, &held) != nil {
		return fresh, nil
	}
	byRef := map[string]CameraCoverage{}
	for _, h := range held {
		byRef[h.Site+"/"+h.Camera] = h
	}
	out := make([]CameraCoverage, len(fresh))
	for i, f := range fresh {
		out[i] = f
		if h, ok := byRef[f.Site+"/"+f.Camera]; ok && h.monitored() > f.monitored() {
			out[i] = h
		}
	}
	return out, nil
}

// Reasons a referenced file is not held.
const (
	MissingSnapshot = "snapshot not stored (never received, refused, or past retention before the case held it)"
	MissingClip     = "clip not in the clips store (upload not finished, or past its TTL before the case held it)"
	MissingDigest   = "the stored copy does not match the digest the edge recorded (refused)"
)

func (s *Service) holdSnapshot(ctx context.Context, caseID string, e *event.Event) (int64, string, error) {
	name := heldFile(caseID, SnapshotPath(e.ID))
	if info, err := s.holds.GetInfo(ctx, name); err == nil {
		return int64(info.Size), "", nil
	}
	b, err := s.o.Events.Snapshot(ctx, e.ID)
	if errors.Is(err, camstate.ErrNoSnapshot) {
		return 0, MissingSnapshot, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("%w: snapshot %s: %v", ErrUnavailable, e.ID, err)
	}
	if hexSum(b) != e.Snapshot.SHA256 {
		return 0, MissingDigest, nil
	}
	return int64(len(b)), "", s.putHeld(ctx, name, b)
}

func (s *Service) holdClip(ctx context.Context, caseID string, e *event.Event) (int64, string, error) {
	cl := e.Clip
	name := heldFile(caseID, ClipPath(cl.Motion))
	if info, err := s.holds.GetInfo(ctx, name); err == nil {
		return int64(info.Size), "", nil
	}
	b, err := s.clips.GetBytes(ctx, cl.Object)
	switch {
	case err != nil && isNotFound(err):
		return 0, MissingClip, nil
	case err != nil && isDigest(err):
		return 0, MissingDigest, nil
	case err != nil:
		return 0, "", fmt.Errorf("%w: clip %s: %v", ErrUnavailable, cl.Object, err)
	}
	if hexSum(b) != cl.SHA256 {
		return 0, MissingDigest, nil
	}
	return int64(len(b)), "", s.putHeld(ctx, name, b)
}

func (s *Service) coverage(ctx context.Context, c *Case) ([]CameraCoverage, error) {
	w := uptime.Span{From: c.Query.From, To: c.Query.To}
	if now := s.o.Now(); w.To.After(now) {
		w.To = now // coverage never counts the future
	}
	ids := make([]event.CameraRef, len(c.Cameras))
	for i, cam := range c.Cameras {
		ids[i] = cam.Ref()
	}
	h, err := s.o.History.Cameras(ctx, ids, w)
	if err != nil {
		return nil, fmt.Errorf("%w: coverage: %v", ErrUnavailable, err)
	}
	return Coverage(h, c.Cameras, w), nil
}

func parseEvents(data []byte) ([]*event.Event, error) {
	var out []*event.Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("held events: %w", err)
		}
		out = append(out, &e)
	}
	return out, sc.Err()
}

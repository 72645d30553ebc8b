package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Spool is a crash-safe, append-only queue of events on disk, shared by
// the camera goroutines that Append and the one Forward that drains it to
// JetStream. All methods are safe for concurrent use.
type Spool struct {
	dir      string
	opts     Options
	log      *slog.Logger
	m        *metrics
	lockFile *os.File

	mu         sync.Mutex
	cond       *sync.Cond        // broadcast when durableRec advances or the spool fails
	segs       []*segment        // oldest first; the last one is being appended to
	active     *os.File          // write handle of the last segment
	sealed     []*os.File        // rolled segments waiting for their fsync
	bytes      int64             // sum of segment sizes
	nextRec    uint64            // number the next record gets
	durableRec uint64            // records below this are fsynced
	acked      uint64            // records below this are acknowledged or dropped
	seqs       map[string]uint64 // last Seq given out per key
	epoch      string            // this spool's epoch, in every event
	durable    map[string]uint64 // last fsynced Seq per key; what the state file holds
	unsynced   []keySeq          // Seqs written since the last fsync
	buf        []byte
	err        error // sticky: the spool is broken
	closed     bool
	crashed    bool
	stateGen   uint64
	burst      uint64 // records dropped since the spool last had room
	fwdDone    chan struct{}

	stateMu    sync.Mutex // serialises state file writes
	writtenGen uint64

	dropped       atomic.Uint64
	kick          chan struct{} // wakes the committer
	notify        chan struct{} // wakes the forwarder
	closing       chan struct{}
	stop          chan struct{}
	committerDone chan struct{}
}

type keySeq struct {
	key string
	seq uint64
}

// Open opens (creating if needed) the spool in dir, recovers it after a
// crash (cutting torn tails, counted and logged) and resumes from the
// acknowledged position. Only one process may hold a directory at a time.
func Open(dir string, opts Options) (*Spool, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool dir: %w", err)
	}
	lf, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{
		dir: dir, opts: opts, log: opts.Logger, lockFile: lf,
		kick: make(chan struct{}, 1), notify: make(chan struct{}, 1),
		closing: make(chan struct{}), stop: make(chan struct{}), committerDone: make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	if err := s.recover(); err != nil {
		if s.active != nil {
			s.active.Close()
		}
		lf.Close()
		return nil, err
	}
	go s.commitLoop()
	return s, nil
}

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open spool lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrLocked, dir, err)
	}
	return f, nil
}

// recover rebuilds the in-memory account from the state file and the
// segments, and starts a fresh segment to append to.
func (s *Spool) recover() error {
	m, err := newMetrics(s.opts.Registerer, s)
	if err != nil {
		return err
	}
	s.m = m
	st, err := loadState(s.dir)
	if err != nil {
		return err
	}
	segs, err := listSegments(s.dir)
	if err != nil {
		return err
	}
	s.seqs = st.Seqs
	s.epoch = st.Epoch
	if s.epoch == "" {
		s.epoch = newEpoch()
		s.log.Info("spool: new epoch (a new or wiped spool starts its seqs again)", "epoch", s.epoch)
	}
	seen := func(key string, seq uint64) {
		if seq > s.seqs[key] {
			s.seqs[key] = seq
		}
	}
	s.acked, s.nextRec = st.Acked, st.Acked
	for _, g := range segs {
		rep, err := recoverSegment(g, seen)
		if err != nil {
			return fmt.Errorf("recover %s: %w", filepath.Base(g.path), err)
		}
		if rep.torn > 0 {
			s.m.corrupt.WithLabelValues(corruptTail).Inc()
			s.log.Warn("spool: cut a torn or corrupt tail", "segment", filepath.Base(g.path),
				"bytes", rep.torn, "cause", rep.tornCause)
		}
		if g.n == 0 || g.end() <= st.Acked {
			if err := os.Remove(g.path); err != nil {
				return fmt.Errorf("remove spent segment: %w", err)
			}
			continue
		}
		s.segs = append(s.segs, g)
		s.bytes += g.size
		s.nextRec = max(s.nextRec, g.end())
	}
	s.durable = cloneSeqs(s.seqs)
	s.durableRec = s.nextRec
	f, err := os.OpenFile(segPath(s.dir, s.nextRec), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	s.active = f
	s.segs = append(s.segs, &segment{first: s.nextRec, path: f.Name()})
	if err := s.writeSnap(s.snapshotLocked()); err != nil {
		return err
	}
	if backlog := s.backlogLocked(); backlog > 0 {
		s.log.Info("spool: resuming", "backlog", backlog, "segments", len(s.segs))
	}
	return nil
}

// Epoch is the spool's epoch, which every appended event carries and the
// agent announces in its heartbeats.
func (s *Spool) Epoch() string { return s.epoch }

// newEpoch is 8 random bytes, hex.
func newEpoch() string { return event.NewID()[:16] }

// Append stores ev durably. It fills ev.ID when empty, sets ev.Schema when
// zero and always assigns ev.Seq, the next number of ev's camera (or
// agent, for heartbeats), and ev.Epoch, the spool's. It returns once the record is fsynced; an error
// means the event was not accepted and its Seq is not used up.
func (s *Spool) Append(ev *event.Event) error {
	if ev == nil {
		return fmt.Errorf("spool: append: %w: nil event", event.ErrInvalid)
	}
	if ev.ID == "" {
		ev.ID = event.NewID()
	}
	if ev.Schema == 0 {
		ev.Schema = event.SchemaVersion
	}
	key := seqKey(ev.Kind, ev.Camera, ev.Agent)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	callerSeq, callerEpoch := ev.Seq, ev.Epoch
	ev.Seq, ev.Epoch = s.seqs[key]+1, s.epoch
	rec, err := s.encodeLocked(ev)
	if err != nil {
		ev.Seq, ev.Epoch = callerSeq, callerEpoch
		return err
	}
	if err := s.writeLocked(rec); err != nil {
		ev.Seq, ev.Epoch = callerSeq, callerEpoch
		return err
	}
	s.seqs[key] = ev.Seq
	s.unsynced = append(s.unsynced, keySeq{key, ev.Seq})
	s.m.appended.Inc()
	mine := s.nextRec
	select {
	case s.kick <- struct{}{}:
	default:
	}
	for s.durableRec < mine && s.err == nil {
		s.cond.Wait()
	}
	if s.durableRec < mine {
		return s.err
	}
	return nil
}

func (s *Spool) encodeLocked(ev *event.Event) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return nil, fmt.Errorf("spool: append: %w", err)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("spool: append: %w: %v", event.ErrInvalid, err)
	}
	if len(payload) > event.MaxSize {
		return nil, fmt.Errorf("spool: append: %w: %d bytes, more than %d", event.ErrInvalid, len(payload), event.MaxSize)
	}
	s.buf = appendFrame(s.buf[:0], payload)
	if s.opts.MaxBytes > 0 && int64(len(s.buf)) > s.opts.MaxBytes {
		return nil, fmt.Errorf("spool: append: %w: %d bytes, max %d", ErrTooLarge, len(s.buf), s.opts.MaxBytes)
	}
	return s.buf, nil
}

// writeLocked makes room, rolls the segment when it is full and writes
// rec at the end of the active segment.
func (s *Spool) writeLocked(rec []byte) error {
	size := int64(len(rec))
	if g := s.segs[len(s.segs)-1]; g.n > 0 && g.size+size > s.opts.SegmentBytes {
		if err := s.rollLocked(); err != nil {
			return err
		}
	}
	s.makeRoomLocked(size)
	g := s.segs[len(s.segs)-1]
	if _, err := s.active.Write(rec); err != nil {
		if terr := s.active.Truncate(g.size); terr != nil {
			s.err = fmt.Errorf("%w: write failed (%v) and could not be undone: %v", ErrBroken, err, terr)
			s.cond.Broadcast()
		}
		return fmt.Errorf("spool: write: %w", err)
	}
	g.n++
	g.size += size
	s.bytes += size
	s.nextRec++
	if s.burst > 0 && s.bytes <= s.opts.MaxBytes/2 {
		s.log.Info("spool: room again after dropping", "dropped", s.burst)
		s.burst = 0
	}
	return nil
}

// rollLocked seals the active segment (the committer fsyncs it) and starts
// a new one.
func (s *Spool) rollLocked() error {
	f, err := os.OpenFile(segPath(s.dir, s.nextRec), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("spool: create segment: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("spool: %w", err)
	}
	s.sealed = append(s.sealed, s.active)
	s.active = f
	s.segs = append(s.segs, &segment{first: s.nextRec, path: f.Name()})
	return nil
}

// makeRoomLocked deletes the oldest segments until size more bytes fit
// under MaxBytes, counting the unacknowledged records it drops. A segment
// not yet fsynced is not dropped (its Seqs are not in the state file yet):
// the spool then overshoots briefly instead.
func (s *Spool) makeRoomLocked(size int64) {
	for s.opts.MaxBytes > 0 && s.bytes+size > s.opts.MaxBytes {
		if len(s.segs) == 1 {
			if s.segs[0].n == 0 {
				return
			}
			if err := s.rollLocked(); err != nil {
				s.log.Error("spool: cannot roll segment to make room", "err", err)
				return
			}
			continue
		}
		front := s.segs[0]
		if front.end() > s.durableRec {
			return
		}
		lost := uint64(0)
		if front.end() > s.acked {
			lost = front.end() - max(front.first, s.acked)
			s.acked = front.end()
		}
		if err := s.writeSnap(s.snapshotLocked()); err != nil {
			s.log.Error("spool: cannot save state to drop a segment", "err", err)
			return
		}
		if err := os.Remove(front.path); err != nil {
			s.log.Error("spool: cannot remove segment", "segment", filepath.Base(front.path), "err", err)
			return
		}
		s.segs = s.segs[1:]
		s.bytes -= front.size
		if lost > 0 {
			if s.burst == 0 {
				s.log.Warn("spool: full, dropping the oldest unsent events", "max_bytes", s.opts.MaxBytes, "dropped", lost)
			}
			s.burst += lost
			s.dropped.Add(lost)
			s.m.dropped.Add(float64(lost))
		}
	}
}

// commitLoop is the group commit: one fsync makes every record written
// before it durable, then the waiting Appends return.
func (s *Spool) commitLoop() {
	defer close(s.committerDone)
	for {
		select {
		case <-s.kick:
		case <-s.stop:
			s.commit()
			return
		}
		if s.opts.SyncEvery > 0 {
			t := time.NewTimer(s.opts.SyncEvery)
			select {
			case <-t.C:
			case <-s.stop:
				t.Stop()
			}
		}
		s.commit()
	}
}

func (s *Spool) commit() {
	s.mu.Lock()
	target := s.nextRec
	if target == s.durableRec && len(s.sealed) == 0 {
		s.mu.Unlock()
		return
	}
	files, active, pend := s.sealed, s.active, s.unsynced
	s.sealed, s.unsynced = nil, nil
	s.mu.Unlock()

	var err error
	for _, f := range files {
		err = errors.Join(err, f.Sync(), f.Close())
	}
	err = errors.Join(err, active.Sync())

	s.mu.Lock()
	if err != nil {
		s.err = fmt.Errorf("%w: fsync: %v", ErrBroken, err)
		s.log.Error("spool: fsync failed; appends refused until reopened", "err", err)
	} else {
		s.durableRec = target
		for _, ks := range pend {
			if ks.seq > s.durable[ks.key] {
				s.durable[ks.key] = ks.seq
			}
		}
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// snapshotLocked captures what the state file must say now.
func (s *Spool) snapshotLocked() state {
	s.stateGen++
	return state{Version: stateVersion, Acked: s.acked, Seqs: cloneSeqs(s.durable), Epoch: s.epoch, gen: s.stateGen}
}

// writeSnap writes st unless a newer snapshot is already on disk.
func (s *Spool) writeSnap(st state) error {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	if st.gen <= s.writtenGen {
		return nil
	}
	if err := writeState(s.dir, st); err != nil {
		return err
	}
	s.writtenGen = st.gen
	return nil
}

// advance records that every record below upTo is done with. It reports
// whether a whole sealed segment is now done, so a checkpoint can free it.
func (s *Spool) advance(upTo uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if upTo > s.acked {
		s.acked = upTo
	}
	return len(s.segs) > 1 && s.segs[0].end() <= s.acked
}

// checkpoint saves the acknowledged position and deletes the segments
// that are entirely behind it.
func (s *Spool) checkpoint() error {
	s.mu.Lock()
	if s.crashed {
		s.mu.Unlock()
		return nil
	}
	snap := s.snapshotLocked()
	s.mu.Unlock()
	if err := s.writeSnap(snap); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.segs) > 1 && s.segs[0].end() <= snap.Acked {
		front := s.segs[0]
		if err := os.Remove(front.path); err != nil {
			return fmt.Errorf("spool: remove acked segment: %w", err)
		}
		s.segs = s.segs[1:]
		s.bytes -= front.size
	}
	if s.burst > 0 && s.bytes <= s.opts.MaxBytes/2 {
		s.log.Info("spool: room again after dropping", "dropped", s.burst)
		s.burst = 0
	}
	return nil
}

func (s *Spool) ackedPos() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acked
}

// Backlog is the number of accepted events JetStream has not acknowledged
// yet; the agent reports it in its heartbeat.
func (s *Spool) Backlog() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.backlogLocked()
}

func (s *Spool) backlogLocked() int64 {
	var n uint64
	for _, g := range s.segs {
		if g.end() > s.acked {
			n += g.end() - max(g.first, s.acked)
		}
	}
	return int64(n)
}

// Bytes is the size of the segment files, which MaxBytes bounds.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// Dropped is how many unacknowledged events were discarded since Open
// because the spool was full; the agent reports it in its heartbeat.
func (s *Spool) Dropped() uint64 { return s.dropped.Load() }

// startForward admits one forwarder at a time.
func (s *Spool) startForward() (chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, ErrClosed
	case s.fwdDone != nil:
		return nil, ErrForwarding
	}
	s.fwdDone = make(chan struct{})
	return s.fwdDone, nil
}

func (s *Spool) endForward(done chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(done)
	s.fwdDone = nil
}

// Close waits for pending Appends to become durable, stops a running
// Forward, saves the state and releases the directory.
func (s *Spool) Close() error { return s.shutdown(false) }

// shutdown closes the spool; crash leaves the state file as it was, as a
// killed process would, so tests can exercise recovery.
func (s *Spool) shutdown(crash bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed, s.crashed = true, crash
	fwd := s.fwdDone
	s.mu.Unlock()
	close(s.closing)
	if fwd != nil {
		<-fwd
	}
	close(s.stop)
	<-s.committerDone

	var err error
	if !crash {
		s.mu.Lock()
		snap := s.snapshotLocked()
		s.mu.Unlock()
		err = s.writeSnap(snap)
	}
	s.mu.Lock()
	for _, f := range s.sealed {
		err = errors.Join(err, f.Close())
	}
	s.sealed = nil
	err = errors.Join(err, s.active.Close())
	s.cond.Broadcast()
	s.mu.Unlock()
	err = errors.Join(err, s.lockFile.Close())
	if err != nil {
		return fmt.Errorf("spool: close: %w", err)
	}
	return nil
}

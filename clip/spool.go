package clip

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Spool is the directory of finished clips waiting for upload, within a
// byte budget: admitting a clip beyond it drops the oldest waiting clips
// first (counted), so an edge whose uplink is down for days keeps the
// newest clips, never fills its disk.
type Spool struct {
	dir    string
	budget int64
	mu     sync.Mutex
	// Dropped counts clips removed for the budget.
	dropped uint64
}

// NewSpool opens dir with budget bytes; half-written files of a crash
// (.part) are removed, they never became clips.
func NewSpool(dir string, budget int64) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("clip spool: %w", err)
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part"))
	for _, p := range parts {
		os.Remove(p)
	}
	return &Spool{dir: dir, budget: budget}, nil
}

// Dir is where recorders write.
func (s *Spool) Dir() string { return s.dir }

// Dropped is how many clips the budget removed.
func (s *Spool) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Pending lists the waiting clips, oldest first.
func (s *Spool) Pending() ([]*Finished, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending()
}

func (s *Spool) pending() ([]*Finished, error) {
	descs, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("clip spool: %w", err)
	}
	var out []*Finished
	for _, d := range descs {
		data, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		var f Finished
		if json.Unmarshal(data, &f) != nil || f.Motion == "" || strings.ContainsAny(f.Motion, `/\`) {
			os.Remove(d) // damaged: not a clip
			continue
		}
		f.Path = filepath.Join(s.dir, f.Motion+".mp4")
		st, err := os.Stat(f.Path)
		if err != nil || st.Size() != f.Bytes {
			os.Remove(d)
			os.Remove(f.Path)
			continue
		}
		out = append(out, &f)
	}
	slices.SortFunc(out, func(a, b *Finished) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Admit enforces the budget after a recorder finished a clip: the oldest
// waiting clips go until the rest fit. It returns the dropped ones.
func (s *Spool) Admit() ([]*Finished, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.pending()
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range all {
		total += f.Bytes
	}
	var dropped []*Finished
	for len(all) > 0 && total > s.budget {
		f := all[0]
		all = all[1:]
		if err := s.remove(f); err != nil {
			return dropped, err
		}
		total -= f.Bytes
		s.dropped++
		dropped = append(dropped, f)
	}
	return dropped, nil
}

// Remove deletes an uploaded clip.
func (s *Spool) Remove(f *Finished) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remove(f)
}

func (s *Spool) remove(f *Finished) error {
	// The description first: without it the MP4 is no clip.
	err1 := os.Remove(filepath.Join(s.dir, f.Motion+".json"))
	err2 := os.Remove(filepath.Join(s.dir, f.Motion+".mp4"))
	if err := errors.Join(err1, err2); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("clip spool: %w", err)
	}
	return nil
}

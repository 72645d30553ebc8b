package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
)

const (
	stateFile    = "state.json"
	stateVersion = 1
)

// state is what must survive a restart besides the records themselves:
// where forwarding stands, and each key's last sequence number, which
// outlives the segments that held it.
type state struct {
	Version int `json:"version"`
	// Acked is the first record number not yet acknowledged (or dropped).
	Acked uint64 `json:"acked"`
	// Seqs maps a sequence key to the last durable Seq given out.
	Seqs map[string]uint64 `json:"seqs"`
	// Epoch names this spool's life: made when the spool is created (or
	// first opened by a build that knows epochs) and carried in every
	// event, so that the aggregator can tell a wiped spool, whose seqs
	// start again at 1, from a forged seq.
	Epoch string `json:"epoch,omitempty"`

	gen uint64 // orders snapshots; never written
}

// loadState reads the state file; a missing file is a fresh spool.
func loadState(dir string) (state, error) {
	st := state{Version: stateVersion, Seqs: map[string]uint64{}}
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read spool state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%w: %v", ErrCorruptState, err)
	}
	if st.Version != stateVersion {
		return st, fmt.Errorf("%w: version %d, want %d", ErrCorruptState, st.Version, stateVersion)
	}
	if st.Seqs == nil {
		st.Seqs = map[string]uint64{}
	}
	return st, nil
}

// writeState replaces the state file atomically: a reader after a crash
// sees the old or the new state, never a mix.
func writeState(dir string, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode spool state: %w", err)
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write spool state: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write spool state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync spool state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close spool state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("replace spool state: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes creations, renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open spool dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync spool dir: %w", err)
	}
	return nil
}

func cloneSeqs(m map[string]uint64) map[string]uint64 { return maps.Clone(m) }

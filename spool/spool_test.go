package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
)

func TestSeqGapFreeAcrossReopen(t *testing.T) {
	cases := []struct {
		name string
		// between runs: what happens to the first spool
		finish func(t *testing.T, sp *Spool)
	}{
		{"close", func(t *testing.T, sp *Spool) {
			if err := sp.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"crash without saving state", func(t *testing.T, sp *Spool) {
			if err := sp.shutdown(true); err != nil {
				t.Fatal(err)
			}
		}},
		{"all acked and segments deleted", func(t *testing.T, sp *Spool) {
			sp.mu.Lock()
			end := sp.nextRec
			sp.mu.Unlock()
			sp.advance(end)
			if err := sp.checkpoint(); err != nil {
				t.Fatal(err)
			}
			if err := sp.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// Small segments so that "acked" really deletes several files.
			sp, _, _ := open(t, dir, Options{SegmentBytes: 2 << 10})
			cams := []string{"cam-a", "cam-b", "cam-c"}
			for i := 0; i < 30; i++ {
				ev := cameraEvent(t, cams[i%3])
				if err := sp.Append(ev); err != nil {
					t.Fatal(err)
				}
				if want := uint64(i/3 + 1); ev.Seq != want {
					t.Fatalf("append %d: seq %d, want %d", i, ev.Seq, want)
				}
			}
			hb := fixture(t, "heartbeat.json")
			if err := sp.Append(&hb); err != nil || hb.Seq != 1 {
				t.Fatalf("heartbeat: seq %d, err %v", hb.Seq, err)
			}
			tc.finish(t, sp)

			sp2, _, _ := open(t, dir, Options{SegmentBytes: 2 << 10})
			if tc.name == "all acked and segments deleted" {
				segs, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
				for _, p := range segs {
					if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
						t.Fatalf("segment %s with data left after everything was acked", p)
					}
				}
			}
			for _, cam := range cams {
				ev := cameraEvent(t, cam)
				if err := sp2.Append(ev); err != nil {
					t.Fatal(err)
				}
				if ev.Seq != 11 {
					t.Errorf("%s after reopen: seq %d, want 11", cam, ev.Seq)
				}
			}
			hb2 := fixture(t, "heartbeat.json")
			if err := sp2.Append(&hb2); err != nil || hb2.Seq != 2 {
				t.Errorf("heartbeat after reopen: seq %d, err %v; want 2", hb2.Seq, err)
			}
		})
	}
}

func TestRecoverTornTail(t *testing.T) {
	cases := []struct {
		name string
		// damage changes the segment file (b is its content).
		damage func(b []byte) []byte
		// kept is how many of the 10 records survive.
		kept    int
		corrupt float64
		// clean closes the spool instead of killing it: its state file then
		// records seq 10 as durable, and a seq once durable is never reused,
		// even if its record rots later (it may have been published).
		clean   bool
		nextSeq uint64
	}{
		{"intact", func(b []byte) []byte { return b }, 10, 0, false, 11},
		{"half a header", func(b []byte) []byte { return append(b, 0x10, 0x00, 0x00) }, 10, 1, false, 11},
		{"half a payload", func(b []byte) []byte { return b[:len(b)-20] }, 9, 1, false, 10},
		{"flipped byte in the last record", func(b []byte) []byte { b[len(b)-5] ^= 0xff; return b }, 9, 1, false, 10},
		{"zeroes after the last record", func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, 10, 1, false, 11},
		{"rotten record after a clean close", func(b []byte) []byte { b[len(b)-5] ^= 0xff; return b }, 9, 1, true, 11},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sp, _, _ := open(t, dir, Options{})
			for i := 0; i < 10; i++ {
				if err := sp.Append(cameraEvent(t, "cam-a")); err != nil {
					t.Fatal(err)
				}
			}
			if err := sp.shutdown(!tc.clean); err != nil {
				t.Fatal(err)
			}
			segs, err := listSegments(dir)
			if err != nil || len(segs) == 0 {
				t.Fatalf("segments: %v %v", segs, err)
			}
			var path string
			for _, g := range segs {
				if fi, _ := os.Stat(g.path); fi.Size() > 0 {
					path = g.path
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}

			sp2, reg, logs := open(t, dir, Options{})
			if got := sp2.Backlog(); got != int64(tc.kept) {
				t.Errorf("backlog %d, want %d", got, tc.kept)
			}
			if got := metricValue(t, reg, "camwatch_spool_corrupt_total", "where", corruptTail); got != tc.corrupt {
				t.Errorf("corrupt tails counted %v, want %v", got, tc.corrupt)
			}
			if n := logs.Count("torn or corrupt tail"); n != int(tc.corrupt) {
				t.Errorf("logged %d times, want %v:\n%s", n, tc.corrupt, logs)
			}
			if got := metricValue(t, reg, "camwatch_spool_backlog"); got != float64(tc.kept) {
				t.Errorf("backlog gauge %v, want %d", got, tc.kept)
			}
			ev := cameraEvent(t, "cam-a")
			if err := sp2.Append(ev); err != nil {
				t.Fatal(err)
			}
			if ev.Seq != tc.nextSeq {
				t.Errorf("next seq %d, want %d", ev.Seq, tc.nextSeq)
			}
			// The records that remain read back intact, in order.
			rd := newReader(sp2, 0)
			defer rd.close()
			for i := 1; i <= tc.kept; i++ {
				it, ok, err := rd.next()
				if err != nil || !ok || it.bad != nil {
					t.Fatalf("record %d: ok %v err %v bad %v", i, ok, err, it.bad)
				}
				got, err := event.Decode(it.payload)
				if err != nil || got.Seq != uint64(i) {
					t.Fatalf("record %d: seq %v err %v", i, got, err)
				}
			}
		})
	}
}

func TestAppendRejectsInvalid(t *testing.T) {
	cases := []struct {
		name string
		ev   func(t *testing.T) *event.Event
		want error
	}{
		{"nil", func(t *testing.T) *event.Event { return nil }, event.ErrInvalid},
		{"no time", func(t *testing.T) *event.Event {
			ev := cameraEvent(t, "cam-a")
			ev.Time = time.Time{}
			return ev
		}, event.ErrInvalid},
		{"camera not a token", func(t *testing.T) *event.Event { return cameraEvent(t, "cam a.b") }, event.ErrInvalid},
		{"payload missing", func(t *testing.T) *event.Event {
			ev := cameraEvent(t, "cam-a")
			ev.Health = nil
			return ev
		}, event.ErrInvalid},
		{"larger than the spool", func(t *testing.T) *event.Event {
			ev := cameraEvent(t, "cam-a")
			ev.Health.Detail = string(make([]byte, 3000))
			return ev
		}, ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp, _, _ := open(t, t.TempDir(), Options{MaxBytes: 2000})
			ev := tc.ev(t)
			if err := sp.Append(ev); !errors.Is(err, tc.want) {
				t.Fatalf("append: %v, want %v", err, tc.want)
			}
			if sp.Backlog() != 0 {
				t.Errorf("backlog %d after a refused append", sp.Backlog())
			}
			ok := cameraEvent(t, "cam-a")
			if err := sp.Append(ok); err != nil || ok.Seq != 1 {
				t.Errorf("next valid append: seq %d, err %v; want seq 1 (nothing used up)", ok.Seq, err)
			}
		})
	}
}

func TestAppendKeepsCallerID(t *testing.T) {
	sp, _, _ := open(t, t.TempDir(), Options{})
	ev := cameraEvent(t, "cam-a")
	ev.ID = "fixed-id-0001"
	ev.Seq = 99 // the spool numbers, not the caller
	if err := sp.Append(ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != "fixed-id-0001" || ev.Seq != 1 || ev.Schema != event.SchemaVersion {
		t.Errorf("got id %q seq %d schema %d", ev.ID, ev.Seq, ev.Schema)
	}
	fresh := cameraEvent(t, "cam-a")
	if err := sp.Append(fresh); err != nil {
		t.Fatal(err)
	}
	if len(fresh.ID) != 32 || fresh.ID == ev.ID {
		t.Errorf("filled id %q", fresh.ID)
	}
}

func TestOpenLockedAndClosed(t *testing.T) {
	dir := t.TempDir()
	sp, _, _ := open(t, dir, Options{})
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sp.Append(cameraEvent(t, "cam-a")); !errors.Is(err, ErrClosed) {
		t.Errorf("append after close: %v, want ErrClosed", err)
	}
	if err := Forward(t.Context(), sp, nil, ForwardOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("forward after close: %v, want ErrClosed", err)
	}
	sp2, _, _ := open(t, dir, Options{})
	_ = sp2
}

func TestCorruptStateRefused(t *testing.T) {
	dir := t.TempDir()
	sp, _, _ := open(t, dir, Options{})
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(`{"version":1,"acked":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorruptState) {
		t.Errorf("open: %v, want ErrCorruptState", err)
	}
}

func TestMaxBytesDropsOldest(t *testing.T) {
	const total = 400
	dir := t.TempDir()
	sp, reg, logs := open(t, dir, Options{MaxBytes: 32 << 10})
	for i := 0; i < total; i++ {
		if err := sp.Append(cameraEvent(t, "cam-a")); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if b := sp.Bytes(); b > 32<<10 {
			t.Fatalf("append %d: %d bytes on disk, more than MaxBytes", i, b)
		}
	}
	dropped := sp.Dropped()
	if dropped == 0 {
		t.Fatal("nothing dropped")
	}
	if got := uint64(sp.Backlog()) + dropped; got != total {
		t.Errorf("backlog %d + dropped %d = %d, want %d", sp.Backlog(), dropped, got, total)
	}
	if got := metricValue(t, reg, "camwatch_spool_dropped_total"); got != float64(dropped) {
		t.Errorf("metric dropped %v, Dropped() %d", got, dropped)
	}
	if n := logs.Count("dropping the oldest"); n != 1 {
		t.Errorf("drop logged %d times in one burst, want 1", n)
	}
	// What is left is the newest events, contiguous up to the last.
	rd := newReader(sp, 0)
	defer rd.close()
	want := dropped + 1
	for {
		it, ok, err := rd.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		ev, err := event.Decode(it.payload)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Seq != want {
			t.Fatalf("kept seq %d, want %d", ev.Seq, want)
		}
		want++
	}
	if want != total+1 {
		t.Errorf("read up to seq %d, want %d", want-1, total)
	}
	// Dropping survives a restart: the dropped records do not come back.
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	sp2, _, _ := open(t, dir, Options{MaxBytes: 32 << 10})
	if got := uint64(sp2.Backlog()); got != total-dropped {
		t.Errorf("backlog after reopen %d, want %d", got, total-dropped)
	}
}

func TestConcurrentAppend(t *testing.T) {
	cases := []struct {
		name      string
		syncEvery time.Duration
	}{
		{"fsync per commit", 0},
		{"group commit 2ms", 2 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const workers, each = 16, 60
			sp, _, _ := open(t, t.TempDir(), Options{SyncEvery: tc.syncEvery, SegmentBytes: 16 << 10})
			var wg sync.WaitGroup
			seqs := make([][]uint64, workers)
			for w := 0; w < workers; w++ {
				wg.Go(func() {
					for i := 0; i < each; i++ {
						ev := cameraEvent(t, fmt.Sprintf("cam-%d", w%4))
						if err := sp.Append(ev); err != nil {
							t.Error(err)
							return
						}
						seqs[w] = append(seqs[w], ev.Seq)
					}
				})
			}
			wg.Wait()
			if got := sp.Backlog(); got != workers*each {
				t.Errorf("backlog %d, want %d", got, workers*each)
			}
			// Each camera's seqs are exactly 1..n, and on disk in that order.
			rd := newReader(sp, 0)
			defer rd.close()
			last := map[string]uint64{}
			n := 0
			for {
				it, ok, err := rd.next()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				ev, err := event.Decode(it.payload)
				if err != nil {
					t.Fatal(err)
				}
				if ev.Seq != last[ev.Camera]+1 {
					t.Fatalf("%s: seq %d after %d on disk", ev.Camera, ev.Seq, last[ev.Camera])
				}
				last[ev.Camera] = ev.Seq
				n++
			}
			if n != workers*each {
				t.Errorf("read %d records, want %d", n, workers*each)
			}
			for cam, s := range last {
				if s != workers/4*each {
					t.Errorf("%s: last seq %d, want %d", cam, s, workers/4*each)
				}
			}
		})
	}
}

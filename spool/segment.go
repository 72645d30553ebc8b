package spool

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/camwatch/camwatch/event"
)

const segSuffix = ".seg"

// segment is the in-memory account of one segment file. Record numbers are
// global and increase by one per record; a segment holds records
// first .. first+n-1 and is named after first.
type segment struct {
	first uint64
	n     uint64 // records written
	size  int64  // bytes written
	path  string
}

func (g *segment) end() uint64 { return g.first + g.n }

func segPath(dir string, first uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", first, segSuffix))
}

// listSegments finds the segment files in dir, oldest first.
func listSegments(dir string) ([]*segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list spool dir: %w", err)
	}
	var segs []*segment
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, segSuffix) {
			continue
		}
		first, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 10, 64)
		if err != nil {
			continue // not ours
		}
		segs = append(segs, &segment{first: first, path: filepath.Join(dir, name)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].first < segs[j].first })
	return segs, nil
}

// seqKey is the sequence a record counts in: its camera's, or its agent's
// for events that name no camera.
func seqKey(kind event.Kind, camera, agent string) string {
	if kind.CameraScoped() {
		return camera
	}
	return "agent:" + agent
}

// seqOf is the part of an event recovery needs to resume sequences.
type seqOf struct {
	Kind   event.Kind `json:"kind"`
	Camera string     `json:"camera"`
	Agent  string     `json:"agent"`
	Seq    uint64     `json:"seq"`
}

// recovered is what scanning one segment found.
type recovered struct {
	torn      int64 // bytes cut off the end
	tornCause error
}

// recoverSegment reads a segment, keeps its longest valid prefix (cutting
// a torn or corrupt tail off the file) and reports every record's key and
// sequence to seen.
func recoverSegment(g *segment, seen func(key string, seq uint64)) (recovered, error) {
	var rep recovered
	b, err := os.ReadFile(g.path)
	if err != nil {
		return rep, fmt.Errorf("read segment: %w", err)
	}
	off := 0
	for off < len(b) {
		payload, n, err := parseFrame(b[off:])
		if err != nil {
			rep.torn, rep.tornCause = int64(len(b)-off), err
			break
		}
		var s seqOf
		if json.Unmarshal(payload, &s) == nil && s.Seq > 0 {
			seen(seqKey(s.Kind, s.Camera, s.Agent), s.Seq)
		}
		off += n
		g.n++
	}
	g.size = int64(off)
	if rep.torn > 0 {
		f, err := os.OpenFile(g.path, os.O_WRONLY, 0)
		if err != nil {
			return rep, fmt.Errorf("open segment: %w", err)
		}
		defer f.Close()
		if err := f.Truncate(int64(off)); err != nil {
			return rep, fmt.Errorf("truncate segment: %w", err)
		}
		if err := f.Sync(); err != nil {
			return rep, fmt.Errorf("sync segment: %w", err)
		}
	}
	return rep, nil
}

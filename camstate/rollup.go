package camstate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Minute is one minute of a camera's stats, rolled up from its stats
// events (docs/redis.md): what a chart of fps and bitrate needs, in a
// few dozen bytes instead of one stored event per sample.
type Minute struct {
	Start   time.Time `json:"start"`
	Samples int       `json:"samples"`
	FPSMin  float64   `json:"fps_min"`
	FPSMax  float64   `json:"fps_max"`
	FPSAvg  float64   `json:"fps_avg"`
	KbpsMin float64   `json:"bitrate_kbps_min"`
	KbpsMax float64   `json:"bitrate_kbps_max"`
	KbpsAvg float64   `json:"bitrate_kbps_avg"`
	// Seqs are the stats events rolled up and Others the seqs of the
	// minute's other events (which stay in JetStream), for the sequence
	// audit and for telling the events stored from those refused.
	Seqs   []uint64 `json:"-"`
	Others []uint64 `json:"-"`
}

// Stats returns a camera's per-minute roll-ups that start in [from, to],
// oldest first (a minute without stats has Samples 0).
func (s *Store) Stats(ctx context.Context, camera event.CameraRef, from, to time.Time) ([]Minute, error) {
	h, err := s.rdb.HGetAll(ctx, s.k.rollups(camera)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis stats %s: %w", camera, err)
	}
	var out []Minute
	for field, raw := range h {
		hour, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			continue
		}
		base := time.UnixMilli(hour * 3600000).UTC()
		if base.Add(time.Hour).Before(from) || base.After(to) {
			continue
		}
		for entry := range strings.SplitSeq(raw, ";") {
			m, ok := parseMinute(base, entry)
			if ok && !m.Start.Before(from) && !m.Start.After(to) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b Minute) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// parseMinute reads "<minute>:<n>,<fps min>,<fps max>,<fps sum>,<kbps
// min>,<kbps max>,<kbps sum>,<stats seqs>,<other seqs>" (apply.lua's
// rollup; n 0 and empty figures for a minute without stats).
func parseMinute(hour time.Time, entry string) (Minute, bool) {
	mm, rest, ok := strings.Cut(entry, ":")
	if !ok {
		return Minute{}, false
	}
	minute, err := strconv.Atoi(mm)
	f := strings.Split(rest, ",")
	if err != nil || len(f) != 9 || minute < 0 || minute > 59 {
		return Minute{}, false
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return Minute{}, false
	}
	m := Minute{Start: hour.Add(time.Duration(minute) * time.Minute), Samples: n}
	if n > 0 {
		var v [6]float64
		for i := range 6 {
			if v[i], err = strconv.ParseFloat(f[i+1], 64); err != nil {
				return Minute{}, false
			}
		}
		m.FPSMin, m.FPSMax, m.FPSAvg = v[0], v[1], v[2]/float64(n)
		m.KbpsMin, m.KbpsMax, m.KbpsAvg = v[3], v[4], v[5]/float64(n)
	}
	var ok1, ok2 bool
	m.Seqs, ok1 = parseSeqs(f[7])
	m.Others, ok2 = parseSeqs(f[8])
	return m, ok1 && ok2 && len(m.Seqs) == n

}

func parseSeqs(list string) ([]uint64, bool) {
	if list == "" {
		return nil, true
	}
	var out []uint64
	for q := range strings.SplitSeq(list, ".") {
		n, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

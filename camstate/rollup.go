package camstate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// Seqs are the stats events rolled up, for the sequence audit.
	Seqs []uint64 `json:"-"`
}

// Stats returns a camera's per-minute stats roll-ups that start in
// [from, to], oldest first.
func (s *Store) Stats(ctx context.Context, camera string, from, to time.Time) ([]Minute, error) {
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
// min>,<kbps max>,<kbps sum>,<seq>.<seq>..." (apply.lua's rollup).
func parseMinute(hour time.Time, entry string) (Minute, bool) {
	mm, rest, ok := strings.Cut(entry, ":")
	if !ok {
		return Minute{}, false
	}
	minute, err := strconv.Atoi(mm)
	f := strings.Split(rest, ",")
	if err != nil || len(f) != 8 || minute < 0 || minute > 59 {
		return Minute{}, false
	}
	var v [7]float64
	for i := range 7 {
		if v[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return Minute{}, false
		}
	}
	m := Minute{Start: hour.Add(time.Duration(minute) * time.Minute), Samples: int(v[0]),
		FPSMin: v[1], FPSMax: v[2], KbpsMin: v[4], KbpsMax: v[5]}
	if m.Samples <= 0 {
		return Minute{}, false
	}
	m.FPSAvg, m.KbpsAvg = v[3]/v[0], v[6]/v[0]
	for q := range strings.SplitSeq(f[7], ".") {
		n, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			return Minute{}, false
		}
		m.Seqs = append(m.Seqs, n)
	}
	return m, true
}

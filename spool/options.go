package spool

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultSegmentBytes is the size at which a segment file is sealed and a
// new one started; whole segments are the unit of deletion.
const DefaultSegmentBytes = 4 << 20

// Options tune a spool. The zero value is usable: unbounded size, fsync on
// every Append, no metrics registered, logs discarded.
type Options struct {
	// MaxBytes bounds the segment files on disk; when an Append would
	// exceed it the oldest records are dropped (counted, never the new
	// one). Zero means unbounded.
	MaxBytes int64
	// Logger receives recovery, drop and forwarding reports.
	Logger *slog.Logger
	// Registerer receives the spool's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// SyncEvery is the group-commit interval: Append waits up to this long
	// so that one fsync covers many records. Zero fsyncs at once (still
	// shared by Appends that arrive during one fsync).
	SyncEvery time.Duration
	// SegmentBytes overrides DefaultSegmentBytes; it is lowered to a
	// quarter of MaxBytes so that dropping one segment frees little.
	SegmentBytes int64
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.MaxBytes > 0 && o.SegmentBytes > o.MaxBytes/4 {
		o.SegmentBytes = max(o.MaxBytes/4, 1)
	}
	if o.SyncEvery < 0 {
		o.SyncEvery = 0
	}
	return o
}

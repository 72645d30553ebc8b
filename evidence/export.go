package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrNoKey: the deployment has no evidence key, so nothing can be
// signed (evidence.key in aggregator.yaml).
var ErrNoKey = errors.New("no evidence key configured")

// MaxAuditExcerpt bounds the audit lines of one bundle.
const MaxAuditExcerpt = 500000

// ExportRequest is one export.
type ExportRequest struct {
	Case     string
	Exporter Exporter
	Reason   string
	// UpTo is the audit sequence of the export's own record, so the
	// bundle's audit excerpt ends with it.
	UpTo uint64
}

// Export syncs the case's hold, then writes its bundle to w: events,
// coverage, the held snapshots and clips, the case's audit excerpt and
// the signed manifest. It fails, having written an incomplete bundle,
// when any store cannot be read; the caller writes to a temporary file
// and discards it then, so nothing partial is ever handed out.
func (s *Service) Export(ctx context.Context, req ExportRequest, w io.Writer, progress Progress) (*Manifest, error) {
	if s.o.Key == nil {
		return nil, ErrNoKey
	}
	c, err := s.Sync(ctx, req.Case)
	if err != nil {
		return nil, err
	}
	events, _, err := s.heldBytes(ctx, heldEvents(c.ID))
	if err != nil {
		return nil, err
	}
	cov, ok, err := s.heldBytes(ctx, heldCoverage(c.ID))
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: coverage of case %s not held: %v", ErrUnavailable, c.ID, err)
	}
	mdata, _, err := s.heldBytes(ctx, heldMissing(c.ID))
	if err != nil {
		return nil, err
	}
	var missing []Missing
	_ = json.Unmarshal(mdata, &missing)
	gone := map[string]bool{}
	for _, m := range missing {
		gone[m.Path] = true
	}
	auditLines, err := s.auditExcerpt(ctx, c.ID, req.UpTo)
	if err != nil {
		return nil, err
	}

	bw := NewWriter(w, progress)
	m := Manifest{Case: c.Info(), Query: c.Query, TimeZone: s.o.Location.String(), Exporter: req.Exporter,
		Reason: req.Reason, ExportedAt: s.o.Now().UTC().Truncate(time.Millisecond), Version: s.o.Version, Missing: missing}
	m.Counts.Cameras = len(c.Cameras)
	if len(c.Held.Capped) > 0 {
		m.Capped, m.EventsPerCamera = c.Held.Capped, s.o.MaxEventsPerCamera
	}
	if _, err := bw.Add(EventsFile, bytes.NewReader(events)); err != nil {
		return nil, err
	}
	if _, err := bw.Add(CoverageFile, bytes.NewReader(cov)); err != nil {
		return nil, err
	}
	evs, err := parseEvents(events)
	if err != nil {
		return nil, err
	}
	m.Counts.Events = len(evs)
	for _, e := range evs {
		var paths []string
		if sn := e.Snapshot; sn != nil && sn.SHA256 != "" {
			paths = append(paths, SnapshotPath(e.ID))
		}
		if cl := e.Clip; cl != nil {
			paths = append(paths, ClipPath(cl.Motion))
		}
		for _, p := range paths {
			if gone[p] {
				continue
			}
			b, ok, err := s.heldBytes(ctx, heldFile(c.ID, p))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("%w: %s of case %s is neither held nor listed missing", ErrUnavailable, p, c.ID)
			}
			if _, err := bw.Add(p, bytes.NewReader(b)); err != nil {
				return nil, err
			}
			if p[0] == 's' {
				m.Counts.Snapshots++
			} else {
				m.Counts.Clips++
			}
		}
	}
	var ab bytes.Buffer
	for _, l := range auditLines {
		ab.Write(l)
		ab.WriteByte('\n')
	}
	m.Counts.Audit = len(auditLines)
	if _, err := bw.Add(AuditFile, &ab); err != nil {
		return nil, err
	}
	if _, err := bw.Finish(m, s.o.Key); err != nil {
		return nil, err
	}
	return &m, nil
}

// auditExcerpt returns the audit.jsonl lines of case id: every stream
// record from the case's first record to upTo (or its last), the case's
// own in full and the others as their hashes only, so the chain links
// without showing other people's actions.
func (s *Service) auditExcerpt(ctx context.Context, id string, upTo uint64) ([][]byte, error) {
	if s.o.Audit == nil {
		return nil, fmt.Errorf("%w: no audit log", ErrUnavailable)
	}
	recs, err := s.o.Audit.Query(ctx, audit.Query{Object: "case:" + id, Limit: audit.MaxLimit})
	if err != nil {
		return nil, fmt.Errorf("%w: audit of case %s: %v", ErrUnavailable, id, err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	seqs := make([]uint64, 0, len(recs))
	for _, r := range recs {
		seqs = append(seqs, r.Seq)
	}
	first, last := slices.Min(seqs), max(slices.Max(seqs), upTo)
	if last-first+1 > MaxAuditExcerpt {
		return nil, fmt.Errorf("%w: the audit excerpt of case %s would hold %d records (at most %d)", ErrUnavailable, id, last-first+1, MaxAuditExcerpt)
	}
	cons, release, err := streamread.Open(ctx, s.o.JS, s.o.AuditStream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: first})
	if err != nil {
		return nil, fmt.Errorf("%w: audit stream: %v", ErrUnavailable, err)
	}
	defer release()
	obj := []byte(strconv.Quote("case:" + id))
	var out [][]byte
	for next := first; next <= last; {
		batch, err := cons.Fetch(int(min(last-next+1, 1000)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("%w: audit stream: %v", ErrUnavailable, err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			md, err := msg.Metadata()
			if err != nil {
				return nil, fmt.Errorf("%w: audit stream: %v", ErrUnavailable, err)
			}
			seq := md.Sequence.Stream
			if seq > last {
				continue
			}
			next = seq + 1
			data := msg.Data()
			var rec struct {
				Prev    string   `json:"prev"`
				Objects []string `json:"objects"`
			}
			_ = json.Unmarshal(data, &rec)
			// Written by hand so the record's bytes stay exactly as stored.
			b := fmt.Appendf(nil, `{"seq":%d,"sha256":%q,"prev":%q`, seq, hexSum(data), rec.Prev)
			if bytes.Contains(data, obj) && slices.Contains(rec.Objects, "case:"+id) {
				b = append(append(append(b, `,"record":`...), data...), '}')
			} else {
				b = append(b, '}')
			}
			out = append(out, b)
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("%w: audit stream: %v", ErrUnavailable, err)
		}
		if got == 0 {
			return nil, fmt.Errorf("%w: audit stream ended at %d before %d", ErrUnavailable, next, last)
		}
	}
	return out, nil
}

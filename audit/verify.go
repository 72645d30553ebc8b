package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/streamread"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Report is what Verify found.
type Report struct {
	Stream string `json:"stream"`
	// First and Last are the sequences walked; Records how many.
	First, Last, Records uint64
	// AgedOut is set when the stream no longer starts at 1 (max_age): the
	// first record's link cannot be checked.
	AgedOut bool
	// Broken is the first broken link, nil when the chain holds.
	Broken *Break
}

// Break names the first record whose link does not hold.
type Break struct {
	Seq    uint64 `json:"seq"`
	Reason string `json:"reason"`
}

// Verify walks the whole stream and checks every link of the hash chain
// and that no sequence is missing.
func Verify(ctx context.Context, js jetstream.JetStream, stream string) (*Report, error) {
	if stream == "" {
		stream = DefaultStream
	}
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("audit stream %s: %w", stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit stream %s: %w", stream, err)
	}
	rep := &Report{Stream: stream, First: info.State.FirstSeq}
	if info.State.Msgs == 0 {
		return rep, nil
	}
	rep.AgedOut = info.State.FirstSeq > 1
	cons, release, err := streamread.Open(ctx, js, stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return nil, err
	}
	defer release()
	end := info.State.LastSeq
	var prevHash string
	var prevSeq uint64
	for prevSeq < end {
		batch, err := cons.Fetch(512, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return nil, err
			}
			seq := md.Sequence.Stream
			rep.Records++
			rep.Last = seq
			if b := check(m.Data(), seq, prevSeq, prevHash, rep.AgedOut && prevSeq == 0); b != nil {
				rep.Broken = b
				return rep, nil
			}
			prevSeq, prevHash = seq, Hash(m.Data())
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	if prevSeq < end {
		rep.Broken = &Break{Seq: prevSeq + 1, Reason: fmt.Sprintf("the stream says it ends at %d but records stop at %d", end, prevSeq)}
	}
	return rep, nil
}

// check tests one record against the one before it.
func check(data []byte, seq, prevSeq uint64, prevHash string, firstAged bool) *Break {
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return &Break{Seq: seq, Reason: "not a readable record: " + err.Error()}
	}
	switch {
	case prevSeq != 0 && seq != prevSeq+1:
		return &Break{Seq: prevSeq + 1, Reason: fmt.Sprintf("records %d to %d are missing", prevSeq+1, seq-1)}
	case firstAged:
		return nil // its predecessor aged out: nothing to compare with
	case prevSeq == 0 && rec.Prev != "":
		return &Break{Seq: seq, Reason: "the first record links to a predecessor"}
	case rec.Prev != prevHash:
		return &Break{Seq: seq, Reason: fmt.Sprintf("prev is %.12s…, but record %d hashes to %.12s…", rec.Prev, prevSeq, prevHash)}
	}
	return nil
}

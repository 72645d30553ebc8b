package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// SnapshotSink takes a snapshot JPEG for the event ev (whose ID is set).
// Snapshots are best-effort: Publish must not block the supervisor, and a
// snapshot that cannot be delivered is dropped and counted, while its
// event keeps the spool's exactly-once guarantee.
type SnapshotSink interface {
	Publish(ev *event.Event, jpeg []byte)
}

// snapshot attaches a colour JPEG of the camera's latest decoded picture
// (detect.Pipeline.Snapshot: the stream's resolution or the camera's
// snapshot_width) to ev and hands it to the snapshot sink. The event gets
// its id now, so the picture and the event share it; its digest is in
// the event, which the spool delivers exactly once, so the picture can be
// checked against it wherever it ends up.
func (s *Supervisor) snapshot(ev *event.Event) {
	if s.snaps == nil || s.pipe == nil || !s.pipe.Decodes() {
		return
	}
	b, err := s.pipe.Snapshot(event.MaxSnapshot)
	if err != nil {
		s.log.Warn("snapshot not encoded", "err", err)
		return
	}
	s.attach(ev, b)
	s.thumb.sent(ev.Time, len(b), false)
}

// attach names JPEG b in ev (which gets its id now, shared by the
// picture) and hands it to the snapshot sink.
func (s *Supervisor) attach(ev *event.Event, b []byte) {
	if s.snaps == nil || len(b) > event.MaxSnapshot {
		return
	}
	ev.ID = event.NewID()
	sum := sha256.Sum256(b)
	ev.Snapshot = &event.Snapshot{ID: ev.ID, Bytes: len(b), SHA256: hex.EncodeToString(sum[:])}
	s.snaps.Publish(ev, b)
}

// SnapshotPublisher sends snapshots to JetStream on
// camwatch.snapshots.<site>.<agent>.<camera> with the event id as message id, from
// a small bounded queue: when the uplink is down or slow the queue fills
// and further snapshots are dropped and counted, never the events.
type SnapshotPublisher struct {
	js      jetstream.JetStream
	log     *slog.Logger
	queue   chan snapshotMsg
	sent    prometheus.Counter
	dropped *prometheus.CounterVec
	once    sync.Once
}

type snapshotMsg struct {
	subject, id string
	data        []byte
}

// snapshotQueue bounds the snapshots waiting for the uplink.
const snapshotQueue = 32

// NewSnapshotPublisher returns a publisher; Run sends what it queues.
func NewSnapshotPublisher(js jetstream.JetStream, log *slog.Logger, reg prometheus.Registerer) (*SnapshotPublisher, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &SnapshotPublisher{
		js:    js,
		log:   log,
		queue: make(chan snapshotMsg, snapshotQueue),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "camwatch_edge_snapshots_sent_total", Help: "Snapshot JPEGs accepted by JetStream.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "camwatch_edge_snapshots_dropped_total", Help: "Snapshot JPEGs dropped (queue full, publish failed); their events are kept.",
		}, []string{"cause"}),
	}
	for _, c := range []prometheus.Collector{p.sent, p.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Publish queues a snapshot without blocking.
func (p *SnapshotPublisher) Publish(ev *event.Event, jpeg []byte) {
	select {
	case p.queue <- snapshotMsg{subject: event.SnapshotSubject(ev), id: ev.ID, data: jpeg}:
	default:
		p.dropped.WithLabelValues("queue_full").Inc()
		p.once.Do(func() { p.log.Warn("snapshot queue full; dropping snapshots (events are kept)") })
	}
}

// Run publishes queued snapshots until ctx ends.
func (p *SnapshotPublisher) Run(ctx context.Context) {
	logged := false
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-p.queue:
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			msg := &nats.Msg{Subject: m.subject, Data: m.data, Header: nats.Header{}}
			msg.Header.Set("Content-Type", "image/jpeg")
			_, err := p.js.PublishMsg(pctx, msg, jetstream.WithMsgID(m.id))
			cancel()
			if err != nil {
				p.dropped.WithLabelValues("publish").Inc()
				if !logged {
					p.log.Warn("snapshot not published; dropped (logged once)", "err", err)
					logged = true
				}
				continue
			}
			p.sent.Inc()
		}
	}
}

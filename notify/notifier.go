package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// ErrNoJetStream is returned by Start without Options.JS.
var ErrNoJetStream = errors.New("notify: no JetStream context")

// Options wire a Notifier.
type Options struct {
	// JS reads the alerts stream and publishes dead letters.
	JS jetstream.JetStream
	// Stream is the alerts stream; default DefaultStream. It is created
	// when missing, otherwise left as the engine configured it.
	Stream string
	// Subjects filters the stream; default AlertsSubjects.
	Subjects  string
	Receivers []Receiver
	// Verifier, when set, admits only transitions signed by the
	// aggregator's key; others are dead-lettered (reason "signature") and
	// never delivered. The aggregator always sets it.
	Verifier *signing.Verifier
	// Backoff are the NAK delays by delivery count (the last repeats),
	// each jittered by +-20%; default DefaultBackoff.
	Backoff []time.Duration
	// Registerer takes the metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// OnSent is called after a receiver accepted t with a 2xx, so that the
	// engine counts cooldowns from notifications actually sent. It may be
	// called again for the same t in the rare resend the Idempotency-Key
	// is for.
	OnSent func(t alerts.Transition, receiver string, at time.Time)
	// Transport replaces http.DefaultTransport (tests, proxies).
	Transport http.RoundTripper
	// Names, Location and PublicURL make email and chat messages read as
	// people speak: display names, the site's time, a link to the console.
	Names     *programs.Directory
	Location  *time.Location
	PublicURL string
	// Snapshots gives chat messages of firing alerts the camera's latest
	// picture; nil sends text only.
	Snapshots SnapshotSource
	// SMTPTLS replaces the TLS configuration of every email receiver
	// (tests with a private CA).
	SMTPTLS *tls.Config
}

// Notifier delivers transitions to every receiver, each from its own
// durable consumer. It runs until its context ends or Close.
type Notifier struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start checks the receivers, ensures the streams and each receiver's
// durable consumer, and starts one delivery loop per receiver.
func Start(ctx context.Context, o Options) (*Notifier, error) {
	if o.JS == nil {
		return nil, ErrNoJetStream
	}
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Subjects == "" {
		o.Subjects = AlertsSubjects
	}
	if len(o.Backoff) == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	rs := File{Receivers: append([]Receiver(nil), o.Receivers...)}
	if err := rs.Validate(); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("notify: metrics: %w", err)
	}
	if err := ensureStreams(ctx, o.JS, o.Stream, o.Subjects); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	var ws []*worker
	for i := range rs.Receivers {
		r := &rs.Receivers[i]
		c, err := ensureConsumer(ctx, o.JS, o.Stream, o.Subjects, r)
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		ws = append(ws, newWorker(r, c, &o, m))
		m.zero(r.Name)
	}
	rctx, cancel := context.WithCancel(ctx)
	n := &Notifier{cancel: cancel}
	for _, w := range ws {
		n.wg.Go(func() { w.run(rctx) })
	}
	o.Logger.Info("notifier started", "receivers", len(ws), "stream", o.Stream)
	return n, nil
}

// Close stops the loops and waits for them. A POST in flight runs to its
// answer (bounded by the receiver's timeout) and is acked or NAKed, so a
// clean stop resends nothing.
func (n *Notifier) Close() {
	n.cancel()
	n.wg.Wait()
}

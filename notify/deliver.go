package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/lograte"
	"github.com/camwatch/camwatch/signing"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers on a dead-lettered transition, next to the original data.
const (
	HeaderReason   = "Camwatch-Reason"
	HeaderReceiver = "Camwatch-Receiver"
	HeaderStatus   = "Camwatch-Status"
)

// recentIDs is how many sent transition ids a worker remembers, to drop a
// republish that came after JetStream's dedupe window.
const recentIDs = 4096

// maxRetryAfter caps a receiver's Retry-After, so a typo on its side
// cannot park the queue for a day.
const maxRetryAfter = 10 * time.Minute

// worker delivers to one receiver, one transition at a time.
type worker struct {
	r       *Receiver
	cons    jetstream.Consumer
	o       *Options
	m       *metrics
	log     *slog.Logger
	once    *lograte.Limiter
	client  *http.Client
	recent  map[string]bool
	order   []string
	failing bool
	sender  sender
}

// sender delivers one transition (body is its JSON) to a receiver and
// says what to do next: delivered, retry (after at least the duration)
// or rejected (dead letter). Its errors never carry a URL or credential.
type sender interface {
	send(ctx context.Context, t *alerts.Transition, body []byte) (outcome, string, time.Duration, error)
}

// webhookSender POSTs the signed JSON.
type webhookSender struct{ w *worker }

func (s webhookSender) send(ctx context.Context, t *alerts.Transition, body []byte) (outcome, string, time.Duration, error) {
	return s.w.post(ctx, body, t.ID)
}

func newWorker(r *Receiver, c jetstream.Consumer, o *Options, m *metrics) *worker {
	tr := o.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	w := &worker{
		r: r, cons: c, o: o, m: m,
		log:  o.Logger.With("receiver", r.Name),
		once: lograte.New(time.Minute),
		client: &http.Client{
			Transport: tr,
			Timeout:   r.Timeout,
			// A redirect is an answer, not an instruction to re-POST
			// somewhere else with the signature.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		recent: map[string]bool{},
	}
	render := &Renderer{Names: o.Names, Location: o.Location, PublicURL: o.PublicURL}
	switch r.Type {
	case TypeEmail:
		w.sender = &emailSender{r: r, render: render, tlsConfig: o.SMTPTLS}
	case TypeTelegram:
		w.sender = &telegramSender{r: r, render: render, snaps: o.Snapshots, client: w.client}
	default:
		w.sender = webhookSender{w}
	}
	return w
}

func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err := w.cons.Next(jetstream.FetchContext(fctx))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			w.warn("fetch", "fetching from the alerts stream failed; retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		w.handle(ctx, msg)
	}
}

// outcome of one POST.
type outcome int

const (
	delivered outcome = iota
	retry
	rejected
)

func (w *worker) handle(ctx context.Context, msg jetstream.Msg) {
	var t alerts.Transition
	if err := decode(msg.Data(), &t); err != nil {
		w.m.failed.WithLabelValues(w.r.Name, ReasonDecode).Inc()
		w.warn("decode", "alert transition does not decode; dropped", "subject", msg.Subject(), "err", err)
		if err := msg.Term(); err != nil {
			w.warn("ack", "term failed; the message comes back after the ack wait", "err", err)
		}
		return
	}
	if v := w.o.Verifier; v != nil {
		if err := v.Verify(msg.Data(), msg.Headers().Get(signing.Header)); err != nil {
			w.giveUp(ctx, msg, &t, ReasonSignature, "", err)
			return
		}
	}
	// The subject must end in the site, camera (or agent) and kind the
	// transition names, whatever stream root it is configured under.
	if want := strings.TrimPrefix(alerts.Subject(&t), alerts.SubjectRoot); !strings.HasSuffix(msg.Subject(), want) {
		w.giveUp(ctx, msg, &t, ReasonSubject, "", fmt.Errorf("subject %q, content says ...%s", msg.Subject(), want))
		return
	}
	if !w.r.wants(&t) {
		w.ack(ctx, msg)
		return
	}
	log := w.log.With("transition", t.ID)
	if w.recent[t.ID] {
		w.m.duplicates.WithLabelValues(w.r.Name).Inc()
		w.ack(ctx, msg)
		return
	}
	if age := time.Since(t.At); age > w.r.MaxAge {
		w.giveUp(ctx, msg, &t, ReasonExpired, "", fmt.Errorf("transition is %s old, over max_age %s", age.Round(time.Second), w.r.MaxAge))
		return
	}
	body, err := json.Marshal(&t)
	if err != nil { // cannot happen for a decoded transition; never panic
		w.m.failed.WithLabelValues(w.r.Name, ReasonDecode).Inc()
		w.warn("encode", "transition does not encode; dropped", "err", err)
		_ = msg.Term()
		return
	}
	// The POST runs to its answer even when the notifier stops, so that
	// what the receiver accepted is also acked.
	out, status, retryAfter, err := w.sender.send(context.WithoutCancel(ctx), &t, body)
	switch out {
	case delivered:
		now := time.Now()
		w.m.sent.WithLabelValues(w.r.Name).Inc()
		w.m.latency.WithLabelValues(w.r.Name).Observe(max(now.Sub(t.At), 0).Seconds())
		w.remember(t.ID)
		if w.failing {
			w.failing = false
			log.Info("receiver accepts notifications again")
		}
		w.ack(ctx, msg)
		if w.o.OnSent != nil {
			w.o.OnSent(t, w.r.Name, now)
		}
	case rejected:
		w.giveUp(ctx, msg, &t, ReasonRejected, status, err)
	case retry:
		w.m.retries.WithLabelValues(w.r.Name).Inc()
		n := uint64(1)
		if md, err := msg.Metadata(); err == nil {
			n = md.NumDelivered
		}
		d := max(delay(w.o.Backoff, n), retryAfter)
		if !w.failing || w.once.Allow("retry", time.Now()) {
			w.failing = true
			log.Warn("receiver failed; retrying", "host", w.r.host(), "status", status, "err", err, "attempt", n, "retry_in", d.Round(time.Millisecond))
		}
		if err := msg.NakWithDelay(d); err != nil {
			w.warn("nak", "nak failed; the message comes back after the ack wait", "err", err)
		}
	}
}

// post sends body once and says what to do next. Errors never carry the
// URL, which may hold a token.
func (w *worker) post(ctx context.Context, body []byte, id string) (outcome, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.r.URL, bytes.NewReader(body))
	if err != nil {
		return rejected, "", 0, errors.New("bad receiver url")
	}
	for k, v := range w.r.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range w.r.SecretHeaders {
		req.Header.Set(k, v.Reveal())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "camwatch-notify/1")
	req.Header.Set(HeaderIdempotencyKey, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set(HeaderSignature, Sign([]byte(w.r.Secret.Reveal()), body))
	resp, err := w.client.Do(req)
	if err != nil {
		return retry, "", 0, netErr(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	status := strconv.Itoa(resp.StatusCode)
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return delivered, status, 0, nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return retry, status, retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("http status %d", c)
	default:
		return rejected, status, 0, fmt.Errorf("http status %d", c)
	}
}

// netErr strips the URL from a client error and names the kind of failure.
func netErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timeout: %w", err)
	}
	return err
}

// retryAfter reads a Retry-After in seconds; dates are ignored.
func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(v)
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, maxRetryAfter)
}

// giveUp dead-letters t for this receiver, counts and logs it, and acks.
// When the dead letter cannot be published the message is NAKed, so that
// nothing disappears without a trace.
func (w *worker) giveUp(ctx context.Context, msg jetstream.Msg, t *alerts.Transition, reason, status string, cause error) {
	dl := nats.NewMsg(DeadLetterSubject(w.r.Name))
	dl.Data = msg.Data()
	dl.Header.Set(HeaderReason, reason)
	dl.Header.Set(HeaderReceiver, w.r.Name)
	dl.Header.Set(HeaderIdempotencyKey, t.ID)
	if status != "" {
		dl.Header.Set(HeaderStatus, status)
	}
	dl.Header.Set(jetstream.MsgIDHeader, "notify-"+w.r.Name+"-"+t.ID)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := w.o.JS.PublishMsg(pctx, dl); err != nil {
		w.warn("deadletter", "dead-letter publish failed; will retry", "err", err)
		if err := msg.NakWithDelay(delay(w.o.Backoff, 1)); err != nil {
			w.warn("nak", "nak failed; the message comes back after the ack wait", "err", err)
		}
		return
	}
	w.m.failed.WithLabelValues(w.r.Name, reason).Inc()
	w.warn("giveup:"+reason, "notification given up and dead-lettered", "transition", t.ID, "reason", reason, "status", status, "err", cause)
	w.remember(t.ID)
	w.ack(ctx, msg)
}

// ack waits for the server's confirmation, so that a lost ack is noticed
// (and logged) rather than turning silently into a resend.
func (w *worker) ack(ctx context.Context, msg jetstream.Msg) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		w.warn("ack", "ack failed; the receiver may get this transition again with the same Idempotency-Key", "err", err)
	}
}

func (w *worker) remember(id string) {
	if w.recent[id] {
		return
	}
	w.recent[id] = true
	w.order = append(w.order, id)
	if len(w.order) > recentIDs {
		delete(w.recent, w.order[0])
		w.order = w.order[1:]
	}
}

// warn logs once per key and minute.
func (w *worker) warn(key, msg string, args ...any) {
	if w.once.Allow(key, time.Now()) {
		w.log.Warn(msg, args...)
	}
}

// decode reads a transition strictly enough that a message that is not
// one is not sent to anybody.
func decode(data []byte, t *alerts.Transition) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(t); err != nil {
		return fmt.Errorf("decode transition: %w", err)
	}
	if t.ID == "" || t.At.IsZero() {
		return errors.New("decode transition: id and at are required")
	}
	switch t.Kind {
	case alerts.TransitionFiring, alerts.TransitionAcknowledged, alerts.TransitionEscalated, alerts.TransitionResolved:
	default:
		return fmt.Errorf("decode transition: unknown kind %q", t.Kind)
	}
	return nil
}

package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go/jetstream"
)

// Each transition reaches the receiver once, in order, signed with the
// receiver's secret and keyed by the transition id; OnSent hears of each.
func TestDeliversEachTransitionOnceSignedInOrder(t *testing.T) {
	e := newEnv(t)
	h := newHook(t)
	r := e.receiver("tech", h.srv.URL+"/hooks/tech?token=url-token-123")
	r.Headers = map[string]string{"X-Group": "q1"}
	r.SecretHeaders = map[string]configs.Secret{"Authorization": configs.NewSecret("Bearer hdr-token-456")}
	e.secrets = append(e.secrets, "url-token-123", "hdr-token-456")
	var mu sync.Mutex
	var sent []string
	e.startWith(t, Options{Receivers: []Receiver{r}, OnSent: func(tr alerts.Transition, receiver string, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if receiver != "tech" || at.Before(tr.At) {
			t.Errorf("OnSent(%s, %s, %s)", tr.ID, receiver, at)
		}
		sent = append(sent, tr.ID)
	}})
	var want []string
	for _, k := range AllKinds {
		tr := transition("a1", k, "tech")
		e.publish(t, tr)
		want = append(want, tr.ID)
	}
	got := h.waitIDs(t, len(want))
	e.settled(t, "tech")
	if got = h.ids(); !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v once each in order", got, want)
	}
	for _, req := range h.requests() {
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if k := req.Header.Get(HeaderIdempotencyKey); k != req.ID {
			t.Errorf("Idempotency-Key %q, body id %q", k, req.ID)
		}
		if g := req.Header.Get("X-Group"); g != "q1" {
			t.Errorf("extra header X-Group = %q", g)
		}
		if a := req.Header.Get("Authorization"); a != "Bearer hdr-token-456" {
			t.Errorf("secret header Authorization = %q", a)
		}
		ts, err := strconv.ParseInt(req.Header.Get(HeaderTimestamp), 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
			t.Errorf("%s %q", HeaderTimestamp, req.Header.Get(HeaderTimestamp))
		}
		sig := req.Header.Get(HeaderSignature)
		if err := Verify([]byte(r.Secret.Reveal()), req.Body, sig); err != nil {
			t.Errorf("signature does not verify with the receiver's secret: %v", err)
		}
		if err := Verify([]byte("another-secret"), req.Body, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("signature verifies with another secret: %v", err)
		}
	}
	mu.Lock()
	if !slices.Equal(sent, want) {
		t.Errorf("OnSent for %v, want %v", sent, want)
	}
	mu.Unlock()
	if v := e.metric(t, "camwatch_notifications_sent_total", "receiver", "tech"); v != 4 {
		t.Errorf("sent_total = %v, want 4", v)
	}
	if v := e.metric(t, "camwatch_notification_latency_seconds", "receiver", "tech"); v != 4 {
		t.Errorf("latency observations = %v, want 4", v)
	}
	if v := e.metric(t, "camwatch_notification_retries_total", "receiver", "tech"); v != 0 {
		t.Errorf("retries_total = %v, want 0", v)
	}
}

// A receiver that is down for a while gets every notification exactly once
// after it returns, in the order the transitions happened.
func TestDownReceiverGetsEverythingOnceInOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int32
		refuse bool
	}{
		{name: "503", status: http.StatusServiceUnavailable},
		{name: "429", status: http.StatusTooManyRequests},
		{name: "408", status: http.StatusRequestTimeout},
		{name: "timeout", status: hang},
		{name: "connection refused", refuse: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			var h *hook
			var addr string
			if tc.refuse {
				addr = freeAddr(t)
			} else {
				h = newHook(t)
				h.status.Store(tc.status)
				addr = h.srv.Listener.Addr().String()
			}
			r := e.receiver("tech", "http://"+addr+"/hook/tok-in-path-77")
			e.secrets = append(e.secrets, "tok-in-path-77")
			r.Timeout = 300 * time.Millisecond
			e.start(t, r)
			var want []string
			for i := range 3 {
				for _, k := range []alerts.TransitionKind{alerts.TransitionFiring, alerts.TransitionResolved} {
					tr := transition("a"+strconv.Itoa(i), k, "tech")
					e.publish(t, tr)
					want = append(want, tr.ID)
				}
			}
			testenv.Eventually(t, 10*time.Second, func() error {
				if v := e.metric(t, "camwatch_notification_retries_total", "receiver", "tech"); v < 3 {
					return errors.New("fewer than 3 retries so far")
				}
				return nil
			})
			if tc.refuse {
				h = newHookAt(t, addr)
			} else {
				if len(h.requests()) != 0 {
					t.Fatal("a refusing receiver recorded a notification")
				}
				h.status.Store(0)
			}
			h.waitIDs(t, len(want))
			e.settled(t, "tech")
			if got := h.ids(); !slices.Equal(got, want) {
				t.Fatalf("received %v, want %v once each in order", got, want)
			}
			if v := e.metric(t, "camwatch_notifications_sent_total", "receiver", "tech"); v != float64(len(want)) {
				t.Errorf("sent_total = %v, want %d", v, len(want))
			}
			if v := e.metric(t, "camwatch_notifications_failed_total", "receiver", "tech"); v != 0 {
				t.Errorf("failed_total = %v, want 0: retried transitions are not failures", v)
			}
		})
	}
}

// The same transition published twice (within JetStream's dedupe window,
// or after it under another message id) is delivered once.
func TestRepublishedTransitionDeliveredOnce(t *testing.T) {
	e := newEnv(t)
	h := newHook(t)
	e.start(t, e.receiver("tech", h.srv.URL))
	a := transition("a1", alerts.TransitionFiring, "tech")
	b := transition("a1", alerts.TransitionResolved, "tech")
	e.publish(t, a)
	e.publish(t, a)                        // JetStream drops it
	e.publishID(t, a, "late-republish-a1") // past the window: the notifier drops it
	e.publish(t, b)
	h.waitIDs(t, 2)
	e.settled(t, "tech")
	if got, want := h.ids(), []string{a.ID, b.ID}; !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
	if v := e.metric(t, "camwatch_notification_duplicates_total", "receiver", "tech"); v != 1 {
		t.Errorf("duplicates_total = %v, want 1", v)
	}
}

// A 4xx is the receiver saying no: the transition is dead-lettered with the
// reason, counted, not retried, and the queue moves on.
func TestRejectedIsDeadLetteredNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int32
	}{
		{"400", http.StatusBadRequest},
		{"401", http.StatusUnauthorized},
		{"404", http.StatusNotFound},
		{"redirect", http.StatusFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			h := newHook(t)
			h.status.Store(tc.status)
			e.start(t, e.receiver("tech", h.srv.URL))
			bad := transition("a1", alerts.TransitionFiring, "tech")
			e.publish(t, bad)
			testenv.Eventually(t, 10*time.Second, func() error {
				if v := e.metric(t, "camwatch_notifications_failed_total", "receiver", "tech", "reason", ReasonRejected); v != 1 {
					return errors.New("not counted as rejected yet")
				}
				return nil
			})
			h.status.Store(0)
			good := transition("a1", alerts.TransitionResolved, "tech")
			e.publish(t, good)
			h.waitIDs(t, 1)
			e.settled(t, "tech")
			if got := h.ids(); !slices.Equal(got, []string{good.ID}) {
				t.Errorf("received %v, want only %s", got, good.ID)
			}
			if n := h.attempts.Load(); n != 2 {
				t.Errorf("%d attempts, want 2: the rejected one must not be retried", n)
			}
			if v := e.metric(t, "camwatch_notification_retries_total", "receiver", "tech"); v != 0 {
				t.Errorf("retries_total = %v, want 0", v)
			}
			s, err := e.js.Stream(context.Background(), DeadLetterStream)
			if err != nil {
				t.Fatal(err)
			}
			dl, err := s.GetLastMsgForSubject(context.Background(), DeadLetterSubject("tech"))
			if err != nil {
				t.Fatalf("no dead letter: %v", err)
			}
			if dl.Header.Get(HeaderReason) != ReasonRejected || dl.Header.Get(HeaderStatus) != strconv.Itoa(int(tc.status)) || dl.Header.Get(HeaderIdempotencyKey) != bad.ID {
				t.Errorf("dead letter headers %v", dl.Header)
			}
			var tr alerts.Transition
			if err := decode(dl.Data, &tr); err != nil || tr.ID != bad.ID {
				t.Errorf("dead letter data is not the transition: %v", err)
			}
		})
	}
}

// Two receivers: one down does not hold the other back, and gets its
// own notifications when it returns.
func TestDownReceiverDoesNotHoldOthersBack(t *testing.T) {
	e := newEnv(t)
	up, down := newHook(t), newHook(t)
	down.status.Store(http.StatusBadGateway)
	e.start(t, e.receiver("up", up.srv.URL), e.receiver("down", down.srv.URL))
	var want []string
	for i := range 5 {
		tr := transition("a"+strconv.Itoa(i), alerts.TransitionFiring, "up", "down")
		e.publish(t, tr)
		want = append(want, tr.ID)
	}
	up.waitIDs(t, len(want))
	e.settled(t, "up")
	if got := up.ids(); !slices.Equal(got, want) {
		t.Fatalf("up received %v, want %v", got, want)
	}
	if n := len(down.requests()); n != 0 {
		t.Fatalf("down accepted %d", n)
	}
	if v := e.metric(t, "camwatch_notification_retries_total", "receiver", "down"); v == 0 {
		t.Error("down was not retried")
	}
	down.status.Store(0)
	down.waitIDs(t, len(want))
	e.settled(t, "down")
	if got := down.ids(); !slices.Equal(got, want) {
		t.Fatalf("down received %v, want %v", got, want)
	}
}

// A notifier stopped while retrying, and a new one started, deliver
// every transition once: the position and the retry are in JetStream.
func TestRestartMidRetryResumes(t *testing.T) {
	e := newEnv(t)
	h := newHook(t)
	h.status.Store(http.StatusServiceUnavailable)
	r := e.receiver("tech", h.srv.URL)
	first := e.start(t, r)
	var want []string
	for i := range 4 {
		tr := transition("a"+strconv.Itoa(i), alerts.TransitionFiring, "tech")
		e.publish(t, tr)
		want = append(want, tr.ID)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if v := e.metric(t, "camwatch_notification_retries_total", "receiver", "tech"); v < 2 {
			return errors.New("fewer than 2 retries")
		}
		return nil
	})
	first.Close()
	h.status.Store(0)
	// The second notifier has its own registry, as a new process would.
	second := e.startWith(t, Options{Receivers: []Receiver{r}, Registerer: newRegistry()})
	defer second.Close()
	tr := transition("a9", alerts.TransitionFiring, "tech")
	e.publish(t, tr)
	want = append(want, tr.ID)
	h.waitIDs(t, len(want))
	e.settled(t, "tech")
	if got := h.ids(); !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v once each in order", got, want)
	}
}

// What is not for this receiver is skipped; what cannot be decoded or is
// too old is counted and dropped; the queue moves on in every case.
func TestSkipsAndDrops(t *testing.T) {
	e := newEnv(t)
	h := newHook(t)
	r := e.receiver("tech", h.srv.URL)
	r.Kinds = []alerts.TransitionKind{alerts.TransitionFiring, alerts.TransitionResolved}
	r.MaxAge = time.Hour
	e.start(t, r)
	e.publishRaw(t, "camwatch.alerts.q1.firing", []byte(`{"id":`), "garbage-1")
	e.publishRaw(t, "camwatch.alerts.q1.firing", []byte(`{"id":"x/firing","kind":"exploded","at":"2026-01-01T00:00:00Z"}`), "garbage-2")
	e.publish(t, transition("other", alerts.TransitionFiring, "someone-else"))
	e.publish(t, transition("quiet", alerts.TransitionFiring))
	e.publish(t, transition("acked", alerts.TransitionAcknowledged, "tech"))
	old := transition("old", alerts.TransitionFiring, "tech")
	old.At = time.Now().Add(-2 * time.Hour)
	e.publish(t, old)
	good := transition("good", alerts.TransitionFiring, "tech")
	e.publish(t, good)
	h.waitIDs(t, 1)
	e.settled(t, "tech")
	if got := h.ids(); !slices.Equal(got, []string{good.ID}) {
		t.Fatalf("received %v, want only %s", got, good.ID)
	}
	if n := h.attempts.Load(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
	if v := e.metric(t, "camwatch_notifications_failed_total", "receiver", "tech", "reason", ReasonDecode); v != 2 {
		t.Errorf("failed{decode} = %v, want 2", v)
	}
	if v := e.metric(t, "camwatch_notifications_failed_total", "receiver", "tech", "reason", ReasonExpired); v != 1 {
		t.Errorf("failed{expired} = %v, want 1", v)
	}
	s, err := e.js.Stream(context.Background(), DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := s.GetLastMsgForSubject(context.Background(), DeadLetterSubject("tech"))
	if err != nil || dl.Header.Get(HeaderReason) != ReasonExpired || dl.Header.Get(HeaderIdempotencyKey) != old.ID {
		t.Errorf("expired dead letter: %v %v", dl, err)
	}
}

// Start refuses what cannot work, and creates the alerts stream when the
// engine has not yet.
func TestStart(t *testing.T) {
	e := newEnv(t)
	if _, err := Start(context.Background(), Options{}); !errors.Is(err, ErrNoJetStream) {
		t.Errorf("Start without JS = %v", err)
	}
	_, err := Start(context.Background(), Options{JS: e.js, Receivers: []Receiver{{Name: "x", URL: "http://h/"}}})
	if err == nil || !errors.Is(err, errInvalid()) {
		t.Errorf("Start with a receiver without secret = %v", err)
	}
	h := newHook(t)
	e.startWith(t, Options{Stream: "OTHER_ALERTS", Subjects: "other.alerts.>", Receivers: []Receiver{e.receiver("tech", h.srv.URL)}})
	if _, err := e.js.Stream(context.Background(), "OTHER_ALERTS"); err != nil {
		t.Fatalf("stream not created: %v", err)
	}
	tr := transition("a1", alerts.TransitionFiring, "tech")
	data := mustJSON(t, tr)
	if _, err := e.js.Publish(context.Background(), "other"+strings.TrimPrefix(alerts.Subject(&tr), "camwatch"), data, jetstream.WithMsgID(tr.ID)); err != nil {
		t.Fatal(err)
	}
	h.waitIDs(t, 1)
	c, err := e.js.Consumer(context.Background(), "OTHER_ALERTS", "notify-tech")
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.CachedInfo().Config
	if cfg.MaxAckPending != 1 || cfg.MaxDeliver != -1 || cfg.AckPolicy != jetstream.AckExplicitPolicy || cfg.FilterSubject != "other.alerts.>" || cfg.DeliverPolicy != jetstream.DeliverByStartTimePolicy {
		t.Errorf("consumer config %+v", cfg)
	}
}

// A receiver's Retry-After is waited out even when the backoff is shorter.
func TestRetryAfterIsHonoured(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var attempts []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, time.Now())
		if len(attempts) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	e.start(t, e.receiver("tech", srv.URL))
	e.publish(t, transition("a1", alerts.TransitionFiring, "tech"))
	testenv.Eventually(t, 10*time.Second, func() error {
		if v := e.metric(t, "camwatch_notifications_sent_total", "receiver", "tech"); v != 1 {
			return errors.New("not sent yet")
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 2 {
		t.Fatalf("%d attempts, want 2", len(attempts))
	}
	if gap := attempts[1].Sub(attempts[0]); gap < 900*time.Millisecond {
		t.Errorf("retried after %s, want at least the 1s Retry-After", gap)
	}
}

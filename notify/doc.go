// Package notify delivers alert transitions to webhook receivers so that
// none is lost and none is sent twice. Technicians act on these messages;
// a lost "camera offline" means footage nobody knows is missing, and a
// repeated one teaches people to ignore the channel.
//
// Every transition the alerts engine emits is on the JetStream stream
// CAMWATCH_ALERTS (subjects camwatch.alerts.>, Nats-Msg-Id = Transition.ID,
// so JetStream already drops republishes). The Notifier keeps one durable
// pull consumer per receiver (notify-<receiver>) with one message in
// flight, so each receiver has its own position, receives its
// notifications in order, and a receiver that is down holds back nobody
// else. A 2xx acks; 408, 429, 5xx and network errors NAK with a stepped,
// jittered backoff and are retried until the transition is older than
// the receiver's max_age; any other status dead-letters the transition on
// camwatch.notify.deadletter.<receiver>. Each POST carries an
// Idempotency-Key (the transition id) and an HMAC-SHA256 signature of the
// body (signature.go). See docs/notify.md.
package notify

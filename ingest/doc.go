// Package ingest moves events from JetStream into Redis. JetStream is the
// durable record and Redis the hot buffer that the API reads, so this
// package owns both ends of that hand-over: the streams and the shared
// durable consumer, validation with dead-lettering of bad input, and the
// one atomic, idempotent Redis write per event that makes redeliveries and
// republished events harmless. Keys and retention are described in
// docs/redis.md.
package ingest

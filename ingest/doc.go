// Package ingest moves events from JetStream into Redis: the streams and
// the shared durable consumer, validation with dead-lettering of bad
// input, and the loop that hands each batch to camstate.Store, whose one
// idempotent write per event makes redeliveries and republished events
// harmless, acknowledging a message only once Redis has it.
package ingest

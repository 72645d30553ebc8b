// Package deadletter files the messages camwatch's consumers refuse (a
// subject that disagrees with its content, an event from the future, a
// snapshot whose digest does not match) on the dead-letter stream, with
// the reason in headers, so that a refusal is kept and explained instead
// of lost. Every consumer of the events stream (ingest, the alert engine,
// the snapshot store) uses the same message id for the same stream
// message, so two consumers refusing one message keep one dead letter.
package deadletter

// Package event defines the wire contract between edge agents and the
// aggregator: the versioned event envelope, its payloads, how events are
// validated, and the NATS subjects they travel on. It is protocol code: it
// knows nothing of configuration, logging or storage, so that every producer
// and consumer agrees on one definition.
package event

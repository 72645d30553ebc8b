// Package e2e holds the end-to-end tests: they build the camwatch binary
// and drive simcam, an edge agent and the aggregator as separate processes,
// the way an operator runs them, against an embedded NATS server and the
// real Redis at REDIS_URL.
package e2e

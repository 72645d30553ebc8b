// Package demo runs the whole camwatch system in one process on embedded
// defaults — an in-process NATS server with JetStream, Redis at REDIS_URL or
// an in-memory Redis-protocol server, simulated cameras, an edge agent and
// the aggregator — so that a newcomer sees it work with one command.
package demo

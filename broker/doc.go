// Package broker runs an in-process NATS server with JetStream, so that the
// demo and the tests use the real server without installing one.
package broker

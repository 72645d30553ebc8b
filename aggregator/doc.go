// Package aggregator wires the central service: it connects to NATS and
// Redis, makes sure the streams and the shared consumer exist, runs the
// ingester and the snapshot consumer, the alerts runner (one evaluating
// replica at a time) and webhook delivery, samples lag and camera gauges,
// and serves the API, uptime reports and console. It holds the start-up
// and shutdown order in one place so that the command, the demo and the
// tests all run the same thing.
package aggregator

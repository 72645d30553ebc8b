// Package aggregator wires the central service: it connects to NATS and
// Redis, makes sure the streams and the shared consumer exist, runs the
// ingester, samples lag and camera gauges, and serves the API. It holds the
// start-up and shutdown order in one place so that the command, the demo
// and the tests all run the same thing.
package aggregator

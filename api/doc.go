// Package api is the aggregator's HTTP interface: health and readiness for
// the orchestrator, Prometheus metrics, and the read-only camera API that
// dashboards and reports use. It serves what the ingest store holds and
// never anything secret: events and states carry no credentials by
// contract, and errors name parameters, not internals.
package api

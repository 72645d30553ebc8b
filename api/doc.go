// Package api is the aggregator's HTTP interface: health and readiness for
// the orchestrator, Prometheus metrics, cameras and their event timelines,
// snapshots, alerts (list, acknowledge, resolve, silences, arm/disarm,
// reload, the live SSE feed), maintenance windows, uptime reports and
// scorecards, and the mounted web console. The route table is in
// routes.go, one file per resource. It serves what the stores hold and
// never anything secret: events and states carry no credentials by
// contract, and errors name parameters, not internals.
package api

// Package api is the aggregator's HTTP interface: health and readiness for
// the orchestrator, Prometheus metrics, cameras and their event timelines,
// snapshots, alerts (list, acknowledge, resolve, silences, arm/disarm,
// reload, the live SSE feed), maintenance windows, uptime reports and
// scorecards, sessions and the audit log, and the mounted web console.
// The one route table is in routes.go, one file per resource: each route
// declares its auth.Permission, and guard (access.go) authenticates and
// authorizes every request before the handler asks the policy about the
// objects it touches (docs/security.md). It serves what the stores hold and
// never anything secret: events and states carry no credentials by
// contract, and errors name parameters, not internals.
package api

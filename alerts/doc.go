// Package alerts turns camera events into few, right alerts. Operators
// watch one feed for many community cameras: a walk across a yard must be
// one alert, not four, and a dead camera must be heard about before anyone
// asks for its footage.
//
// The package is pure: rules are parsed from YAML (rules.go, schedule.go,
// match.go) and swapped atomically on reload (set.go); the Engine
// (engine.go, conditions.go, lifecycle.go, silence.go) is fed events and
// clock ticks and answers with alert transitions (transition.go: firing,
// acknowledged, escalated, resolved) that carry whom to notify or why a
// notification was suppressed. All engine state lives in
// plain exported structs (state.go) so that a later step can keep it in
// Redis and let several aggregator replicas agree; delivery (SSE, webhooks)
// and persistence are not in this package yet.
package alerts

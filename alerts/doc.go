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
// plain exported structs (state.go). The Runner (runner.go, lease.go,
// store.go, commands.go, feed.go) runs the engine inside the aggregator:
// one replica at a time evaluates under a Redis lease, keeps the state in
// Redis and publishes each transition once to the CAMWATCH_ALERTS stream,
// which feeds the SSE feed and webhook delivery (docs/alerts.md).
package alerts

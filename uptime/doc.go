// Package uptime turns a camera's status transitions into the availability
// figures a ward uses to judge a community camera program: how long each
// camera was online, degraded, offline, unobserved or in maintenance over a
// window, its outages, MTTR and MTBF, a daily series in the site's time
// zone, and which groups missed their SLA target.
//
// [Compute] is pure computation over data handed in (no Redis, no NATS, no
// logging), so the same arithmetic serves the HTTP API, the CSV export, the
// CLI and a report rebuilt from the JetStream record, and so every figure can
// be proven by hand in a test. [Source] reads a window's [History] from the
// Redis keys the ingester writes, and [Generate] writes a synthetic city in
// the same layout for benchmarks and the demo (docs/uptime.md).
//
// # The model
//
// A camera's timeline is a sequence of half-open intervals [from, to), each
// in one [State]. It is built from transitions sorted by time, then seq
// (late or out-of-order arrivals are fine; exact duplicates are ignored);
// each transition holds until the next one. The camera is monitored from its
// first transition until it is removed, clipped to the report window and
// never beyond the report's now, so a camera added or removed during the
// window only counts while it exists and time that has not happened counts
// nowhere. A camera whose agent reports but which itself has gone silent is
// unknown from its last event on.
// Two overrides are painted on top, in this order:
//
//  1. agent loss: while the agent that watches a camera is lost, the camera
//     is [Unknown]: nobody knows whether it worked;
//  2. maintenance windows (per camera or per program): the camera is in
//     [Maintenance], whatever it reported and whether or not its agent was
//     heard.
//
// # The figures
//
//	observed = monitored − maintenance − unknown
//	uptime % = 100 × online / observed
//
// Unknown time is left out of the denominator because it is a monitoring
// gap, not a camera failure: a lost edge agent must not make a program look
// worse (or better) than its cameras were. Maintenance is left out because
// it was planned and agreed. Degraded time is in the denominator but not in
// the numerator: a frozen, black or starved stream is of no use to the ward
// even though frames flow, so it does not count as up; it is not an outage
// either, and it is reported on its own so a reader can tell the two apart.
//
// An outage is a maximal run of offline time. Adjacent offline intervals with
// different reasons (timeout, then refused) are one outage, and so is offline
// time interrupted only by unknown or maintenance time, since the camera was
// never seen working in between. An outage's length is its offline time only
// (bridged unknown and maintenance time is not downtime), so the lengths of
// all outages add up to the offline total. Outages crossing a window edge
// are clipped to the window.
//
//	MTTR = total length of resolved outages / resolved outages
//	MTBF = (online + degraded) / outages
//
// An outage is resolved when the camera was seen online or degraded after it
// inside the window; outages still open at the window's end (or at the
// camera's removal) have no known repair time and are left out of MTTR, but
// count for MTBF and the outage count. MTTR and MTBF are zero when there is
// nothing to average.
//
// Groups (program, ward, vendor, model, agent, camera, or all) add durations
// and outages of their cameras: a group's uptime is time-weighted (sum of
// online over sum of observed), not a mean of its cameras' percentages, so a
// camera monitored for an hour does not weigh as much as one monitored for a
// month.
//
// Days run from local midnight to local midnight in the site's time zone
// (Asia/Ho_Chi_Minh by default: UTC+7, no daylight saving); the first and
// last day of a window may be partial.
package uptime

// Package alerts will turn camera events into few, right alerts with a full
// lifecycle (firing, acknowledged, resolved), delivered without loss or
// repetition. It is reserved by the design card; the work is tracked in the
// alerts issue and nothing here runs yet.
package alerts

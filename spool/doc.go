// Package spool keeps the events an edge agent has accepted on local disk
// until JetStream has acknowledged them, so that an outage of the uplink or
// a crash of the agent loses nothing and repeats nothing a consumer cannot
// recognise. It also numbers each camera's events (Seq) without gaps across
// restarts, which is what lets the aggregator prove completeness.
//
// On disk a spool directory holds segment files of framed records (length,
// CRC-32C, the event's JSON) named after their first record number, a
// state file with the acknowledged position and the last sequence numbers,
// and a lock file that keeps a second process out.
package spool

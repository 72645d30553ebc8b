// Package streamread reads a stretch of a JetStream stream for one query
// and gives the server its consumer back as soon as the read ends.
//
// An ordered consumer made for a query lingers on the server for nats.go's
// inactive threshold (5 minutes) unless it is deleted, and nats-server 2.15
// allows a stream 1,000 consumers by default: an investigation timeline
// reads each of its fifty cameras with its own consumer, so twenty views in
// five minutes filled the events stream, and from then on every query of
// it (events lists, timelines, case holds, exports, reviews) failed with
// "maximum consumers limit reached". Every one-shot read goes through Open.
package streamread

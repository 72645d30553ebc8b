// Package edge is the edge agent: it watches each configured camera's RTSP
// stream with one supervisor goroutine, measures the camera's health from
// the frames it actually delivers, runs the compressed-domain motion
// detector on them, and hands every resulting event to a Sink (the disk
// spool in production, forwarded to NATS JetStream). It exists so that a
// community's cameras are known to be up, and known to be watched, without
// decoding video on a small box.
package edge

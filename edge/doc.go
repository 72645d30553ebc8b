// Package edge is the edge agent: it watches each configured camera's RTSP
// stream with one supervisor goroutine, measures the camera's health from
// the frames it actually delivers, runs the camera's motion tier on them
// (compressed frame sizes with slice QP, decoded pixels, or the gate of
// the first in front of the second), checks the picture for tampering,
// takes snapshots, and hands every resulting event to a Sink (the disk
// spool in production, forwarded to NATS JetStream). It exists so that a
// community's cameras are known to be up, and known to be watched, on a
// small box near them.
package edge

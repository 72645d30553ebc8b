// Package clip records event clips at the edge: a bounded ring of a
// camera's compressed access units (the pre-roll) and, from a motion
// start to its end plus a post-roll (capped), an MP4 written with vdk's
// own muxer (github.com/deepch/vdk/format/mp4) without re-encoding. A
// spool keeps finished clips on disk within a byte budget (oldest dropped
// first, counted) until an uploader has stored each in an object store and
// its event is out. It knows nothing of cameras' configs or logging; the
// edge wires it to its frame tap.
package clip

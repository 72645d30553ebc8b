// Package decode turns a camera's compressed H.264 or H.265 access units
// into the small gray frames the pixel motion detector needs, at a detect
// rate well below the camera's frame rate and a width well below its
// resolution, so that pixel detection costs a fraction of a core per
// stream.
//
// It binds libavcodec's send/receive API through cgo (one thread per
// decoder, non-reference frames skipped when they are not wanted) and
// box-filters the luma plane, so no colour conversion or scaler runs. A
// corrupt stream yields errors, never a crash: the decoder drops input
// until the next keyframe and starts over from there. See docs/motion.md
// and docs/BENCHMARKS.md for the choice against an ffmpeg subprocess.
package decode

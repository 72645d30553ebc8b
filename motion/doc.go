// Package motion detects motion in a compressed video stream from frame
// sizes alone, without decoding a pixel. Under constant-quality (CRF)
// encoding a P-frame grows when something moves, so a robust baseline of
// P-frame sizes and a little hysteresis are enough to open and close motion
// intervals at a negligible CPU cost per stream. The detector is pure: it
// is fed one frame at a time and does no I/O, so it is cheap to test with
// synthetic sequences and with real recorded clips.
package motion

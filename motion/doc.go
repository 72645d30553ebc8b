// Package motion detects motion in a camera's video in two tiers that
// report intervals alike (Transition, with a minimum duration and a
// post-roll).
//
// The compressed tier (New, Detector) works from frame sizes alone,
// without decoding a pixel. Under constant-quality (CRF) encoding a
// P-frame grows when something moves, so a robust baseline of P-frame
// sizes and a little hysteresis are enough to open and close motion
// intervals at a negligible CPU cost per stream.
//
// The pixel tier (NewPixel, PixelDetector) works on small decoded gray
// frames at a detect rate: an adaptive background, a noise-scaled
// per-pixel threshold, connected regions, zones and masks, and rejection
// of lighting changes, for cameras whose compressed signal is unusable or
// where boxes and zones matter.
//
// Both detectors are pure: fed one frame at a time, they do no I/O, so
// they are cheap to test with synthetic sequences and recorded clips.
package motion

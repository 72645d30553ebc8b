// Package detect is camwatch's one motion pipeline: a camera's access
// units and their times go in, motion transitions, picture faults and
// colour snapshots come out. It owns the compressed tier's figure (frame
// sizes, QP-normalised on rate-controlled cameras), the gate that decodes
// only while that figure looks active, detector auto's run-time judgement
// of the compressed signal, the decoder's restarts, the pixel and tamper
// detectors and the bound on what a camera may cost to decode.
//
// The edge agent runs it on every camera, `camwatch detect` on a recorded
// clip and the quality benchmark on the labelled clip set, so what the
// benchmark measures is what ships. It knows nothing of RTSP or events:
// the caller assembles access units and reports what comes out.
package detect

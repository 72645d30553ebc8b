// Package quality measures how well camwatch's motion tiers judge a
// labelled clip set, so that a change to a detector is weighed by what it
// does to precision, recall, onset and CPU rather than by how a few clips
// look. It holds the set's ground truth, the interval matcher shared with
// the `motion` daemon's scoring (scripts/bench-motion.sh), and a harness
// that runs the compressed, pixel and gated tiers over each clip the way
// the edge agent does.
package quality

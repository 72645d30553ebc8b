// Package evidence is what an investigator hands to a court: cases that
// hold the events, snapshots, clips and coverage of their cameras and
// window beyond the hot retention, and evidence bundles (a ZIP in an
// open layout, docs/evidence.md) whose manifest lists every file with
// its SHA-256 and is signed with the deployment's Ed25519 evidence key,
// so anyone can check a bundle offline with standard tools.
//
// The chain of custody starts at the edge agent: each snapshot's and
// clip's digest in a bundle is the one the agent put in its event, and
// Verify checks the files against those digests as well as against the
// manifest.
package evidence

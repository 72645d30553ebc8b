// Package signing signs camwatch's alert transitions with the
// aggregator's Ed25519 key and verifies them, so that the notifier and the
// live feed deliver only what the aggregator decided: a transition
// published on the alerts stream by anyone else (a stolen credential, a
// misconfigured peer) has no valid signature and is dropped and counted.
// The signature travels in a message header over the exact bytes of the
// message, so the payload stays the transition's JSON.
package signing

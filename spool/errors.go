package spool

import "errors"

// Sentinel errors, so that callers can tell a closed or damaged spool from
// a bad event (which wraps event.ErrInvalid).
var (
	// ErrClosed is returned by calls on a spool after Close.
	ErrClosed = errors.New("spool closed")
	// ErrBroken is wrapped by every Append after a write or fsync failed in
	// a way the spool could not undo; reopening the directory recovers it.
	ErrBroken = errors.New("spool broken")
	// ErrTooLarge is returned when one record alone exceeds MaxBytes.
	ErrTooLarge = errors.New("event larger than the spool")
	// ErrLocked is returned by Open when another process holds the directory.
	ErrLocked = errors.New("spool directory in use")
	// ErrCorruptState is returned by Open when the state file cannot be read;
	// guessing it would risk reusing sequence numbers.
	ErrCorruptState = errors.New("spool state file corrupt")
	// ErrForwarding is returned by Forward when another Forward already runs
	// on the same spool: two forwarders would race for the ack cursor.
	ErrForwarding = errors.New("spool already forwarding")
)

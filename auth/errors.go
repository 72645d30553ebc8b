package auth

import "errors"

// Errors callers tell apart.
var (
	// ErrInput: a name, role, scope or password is malformed.
	ErrInput = errors.New("invalid input")
	// ErrUnauthenticated: no credentials, or credentials that are not (or
	// no longer) valid. The message never says which.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrNotFound: no such user or token (for administrative calls only;
	// logins never say whether a user exists).
	ErrNotFound = errors.New("not found")
	// ErrExists: a user of that name exists already.
	ErrExists = errors.New("already exists")
	// ErrRateLimited: too many failed logins for this user or address.
	ErrRateLimited = errors.New("too many failed logins; try again later")
	// ErrPolicy: the role may do this kind of thing, but not this much
	// (a silence too long, a maintenance window backdated too far).
	ErrPolicy = errors.New("not allowed for this role")
	// ErrUnavailable: the identity or session store cannot be reached.
	ErrUnavailable = errors.New("identity store unavailable")
)

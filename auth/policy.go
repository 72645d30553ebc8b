package auth

import (
	"fmt"
	"time"
)

// ActorKind says what kind of credential an actor presented.
type ActorKind string

// Actor kinds.
const (
	KindUser  ActorKind = "user"
	KindToken ActorKind = "token"
	// KindCLI is a `camwatch user|token` command run with the
	// deployment's NATS credentials (the operating system user).
	KindCLI ActorKind = "cli"
)

// Actor is an authenticated caller: who, with which role and scope.
type Actor struct {
	Kind  ActorKind `json:"kind"`
	Name  string    `json:"name"`
	Role  Role      `json:"role"`
	Scope Scope     `json:"scope"`
	// Session is the stored key of the console session (not the cookie
	// value); TokenID the id of the API token. Either or neither is set.
	Session string `json:"-"`
	TokenID string `json:"-"`
	// Expires is when the credential stops working (session: the
	// absolute timeout; token: its expiry).
	Expires time.Time `json:"expires,omitzero"`
}

// ID names the actor in audit records and in the `by` of alerts,
// silences and maintenance windows: the user name for users, "token:NAME"
// for tokens, "cli:NAME" for the command line.
func (a *Actor) ID() string {
	if a == nil {
		return ""
	}
	if a.Kind == KindUser {
		return a.Name
	}
	return string(a.Kind) + ":" + a.Name
}

// Decision is the policy's answer about one request.
type Decision int

// Decisions. Hidden is for objects outside the actor's scope: the API
// answers 404 as if they did not exist, so scope does not leak names.
const (
	Allow Decision = iota
	Forbidden
	Hidden
)

func (d Decision) String() string {
	return [...]string{"allow", "forbidden", "hidden"}[d]
}

// Decide is the one policy function: may actor a do p on obj? obj nil
// asks about the permission alone (a list, which the caller then filters
// with Decide per item). Admins hold every permission and see everything;
// other roles hold what Roles grants, inside their scope.
func Decide(a *Actor, p Permission, obj *Object) Decision {
	if p == Open {
		return Allow
	}
	if a == nil || !a.Role.Has(p) {
		return Forbidden
	}
	if obj == nil || a.Role == Admin || a.Scope.Covers(*obj) {
		return Allow
	}
	return Hidden
}

// Sees is Decide(a, p, &obj) == Allow, for filtering lists.
func Sees(a *Actor, p Permission, obj Object) bool { return Decide(a, p, &obj) == Allow }

// RoleLimits are the time limits of a role's writes, part of the policy.
type RoleLimits struct {
	// MaxSilence is the longest silence the role may add; 0 is no limit.
	MaxSilence time.Duration
	// MaxBackdate is how far in the past a maintenance window may start;
	// negative is no limit.
	MaxBackdate time.Duration
}

// Limits by role; roles without SilencesWrite or MaintenanceWrite never
// reach them.
var Limits = map[Role]RoleLimits{
	Technician: {MaxSilence: 24 * time.Hour, MaxBackdate: 15 * time.Minute},
	Admin:      {MaxSilence: 0, MaxBackdate: -1},
}

// CheckSilence says why a's silence from start to end (at now) is not
// allowed, or nil.
func CheckSilence(a *Actor, start, end, now time.Time) error {
	l := Limits[a.Role]
	if start.IsZero() || start.Before(now) {
		start = now
	}
	if l.MaxSilence > 0 && end.Sub(start) > l.MaxSilence {
		return fmt.Errorf("%w: end: a %s may silence for at most %s", ErrPolicy, a.Role, l.MaxSilence)
	}
	return nil
}

// CheckMaintenance says why a's maintenance window starting at start (at
// now, with reason note) is not allowed, or nil.
func CheckMaintenance(a *Actor, start, now time.Time, note string) error {
	l := Limits[a.Role]
	if note == "" {
		return fmt.Errorf("%w: note: required (the reason for the maintenance)", ErrPolicy)
	}
	if l.MaxBackdate >= 0 && now.Sub(start) > l.MaxBackdate {
		return fmt.Errorf("%w: start: a %s may start a window at most %s in the past", ErrPolicy, a.Role, l.MaxBackdate)
	}
	return nil
}

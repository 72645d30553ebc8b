package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Permission is what a route needs. Every route of the API declares one in
// its route table; the zero value is "undeclared" and makes the table
// invalid, so a route cannot be added without deciding who may call it.
type Permission string

// The permissions. Open needs no credentials at all; Signed needs any
// authenticated actor (whoami, logout, one's own password and audit
// records); the others are granted by roles (see Roles).
const (
	Open             Permission = "open"
	Signed           Permission = "signed-in"
	CamerasRead      Permission = "cameras.read"
	EventsRead       Permission = "events.read"
	SnapshotsRead    Permission = "snapshots.read"
	AlertsRead       Permission = "alerts.read"
	AlertsHandle     Permission = "alerts.handle"
	SilencesRead     Permission = "silences.read"
	SilencesWrite    Permission = "silences.write"
	MaintenanceRead  Permission = "maintenance.read"
	MaintenanceWrite Permission = "maintenance.write"
	UptimeRead       Permission = "uptime.read"
	ProgramsArm      Permission = "programs.arm"
	RulesReload      Permission = "rules.reload"
	AuditRead        Permission = "audit.read"
	UsersManage      Permission = "users.manage"
	TokensManage     Permission = "tokens.manage"
	// TimelineRead is the cross-camera timeline with coverage.
	TimelineRead Permission = "timeline.read"
	// ClipsRead plays event clips (like snapshots, judged by camera).
	ClipsRead Permission = "clips.read"
	// CasesRead lists and shows cases; CasesWrite opens them and syncs
	// their holds; CasesClose ends a case's hold (admins only).
	CasesRead  Permission = "cases.read"
	CasesWrite Permission = "cases.write"
	CasesClose Permission = "cases.close"
	// EvidenceExport writes a case's signed evidence bundle.
	EvidenceExport Permission = "evidence.export"
	// MetricsRead is /metrics on the API listener, which only the metrics
	// bearer token (not a user) opens.
	MetricsRead Permission = "metrics.read"
)

// Permissions lists every permission a role can hold, in the order of the
// roles table in docs/security.md.
var Permissions = []Permission{CamerasRead, EventsRead, SnapshotsRead, AlertsRead, AlertsHandle,
	SilencesRead, SilencesWrite, MaintenanceRead, MaintenanceWrite, UptimeRead, ProgramsArm,
	RulesReload, AuditRead, UsersManage, TokensManage, TimelineRead, ClipsRead, CasesRead, CasesWrite,
	CasesClose, EvidenceExport}

// Role is a named set of permissions.
type Role string

// The roles, from the least to the most trusted.
const (
	Viewer       Role = "viewer"
	Operator     Role = "operator"
	Technician   Role = "technician"
	Investigator Role = "investigator"
	Admin        Role = "admin"
)

// RoleNames lists the roles in order.
var RoleNames = []Role{Viewer, Operator, Technician, Investigator, Admin}

// Roles is the policy as data: what each role may do (within its scope).
// docs/security.md prints this table; TestRolesTableInDocs keeps them
// equal. AuditRead below admin means one's own records only.
var Roles = map[Role][]Permission{
	Viewer:     {CamerasRead, MaintenanceRead, UptimeRead, AuditRead},
	Operator:   {CamerasRead, EventsRead, SnapshotsRead, AlertsRead, AlertsHandle, SilencesRead, UptimeRead, AuditRead, ClipsRead},
	Technician: {CamerasRead, EventsRead, AlertsRead, SilencesRead, SilencesWrite, MaintenanceRead, MaintenanceWrite, UptimeRead, AuditRead},
	Investigator: {CamerasRead, EventsRead, SnapshotsRead, AlertsRead, UptimeRead, AuditRead, TimelineRead, ClipsRead,
		CasesRead, CasesWrite, EvidenceExport},
	Admin: Permissions,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := Roles[r]; return ok }

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", fmt.Errorf("%w: role %q is not one of viewer, operator, technician, investigator, admin", ErrInput, s)
	}
	return r, nil
}

// Has reports whether role r holds permission p. Open and Signed are held
// by every role; MetricsRead by none.
func (r Role) Has(p Permission) bool {
	switch p {
	case Open, Signed:
		return r.Valid()
	}
	return slices.Contains(Roles[r], p)
}

// Declared reports whether p is a permission a route may declare.
func (p Permission) Declared() bool {
	return p == Open || p == Signed || p == MetricsRead || slices.Contains(Permissions, p)
}

package auth

import (
	"os"
	"strings"
	"testing"
)

// rolesTable renders Roles as the table in docs/security.md.
func rolesTable() string {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range RoleNames {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range RoleNames {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, p := range Permissions {
		b.WriteString("| `" + string(p) + "` |")
		for _, r := range RoleNames {
			switch {
			case p == AuditRead && r != Admin && r.Has(p):
				b.WriteString(" own |")
			case r.Has(p):
				b.WriteString(" yes |")
			default:
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestRolesTableInDocs: the roles table of docs/security.md is the
// policy's data, so the documented answer and the enforced one agree
// (the permission matrix in package api checks the enforced one).
func TestRolesTableInDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := rolesTable(); !strings.Contains(string(doc), want) {
		t.Errorf("docs/security.md lacks the roles table as the policy has it:\n%s", want)
	}
}

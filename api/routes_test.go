package api

import (
	"testing"

	"github.com/camwatch/camwatch/auth"
)

// TestRouteTableDeclaresPermissions: every route names a permission the
// policy knows, and no pattern is listed twice.
func TestRouteTableDeclaresPermissions(t *testing.T) {
	s := &server{o: Options{}}
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		if !rt.perm.Declared() {
			t.Errorf("route %q declares no known permission (%q)", rt.pattern, rt.perm)
		}
		if seen[rt.pattern] {
			t.Errorf("route %q is listed twice", rt.pattern)
		}
		seen[rt.pattern] = true
	}
	if auth.Permission("").Declared() {
		t.Error("the empty permission counts as declared")
	}
}

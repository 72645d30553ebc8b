package demo

import (
	"context"
	"time"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/camwatch/camwatch/auth"
)

// demoUser is one account the demo makes, with its password (random per
// run, printed once in the banner).
type demoUser struct {
	Name, Password string
	Role           auth.Role
	Scope          auth.Scope
}

// demoUsers makes one user per role (the operator and technician scoped
// to one program, as in a real ward) and a viewer token for the demo's
// own camera table.
func demoUsers(ctx context.Context, agg *aggregator.Aggregator) ([]demoUser, string, error) {
	prog := auth.Scope{Programs: []string{"5plus1-to-dan-pho-7"}}
	all := auth.Scope{All: true}
	users := []demoUser{
		{Name: "viewer", Role: auth.Viewer, Scope: all},
		{Name: "operator", Role: auth.Operator, Scope: prog},
		{Name: "technician", Role: auth.Technician, Scope: prog},
		{Name: "investigator", Role: auth.Investigator, Scope: all},
		{Name: "admin", Role: auth.Admin, Scope: all},
	}
	dir := agg.Directory()
	for i := range users {
		u := &users[i]
		u.Password = randomPassword()
		if _, err := dir.AddUser(ctx, u.Name, u.Role, u.Scope, u.Password, "demo"); err != nil {
			return nil, "", err
		}
	}
	tok, _, err := dir.CreateToken(ctx, "demo-status", auth.Viewer, all, 30*24*time.Hour, "demo")
	if err != nil {
		return nil, "", err
	}
	return users, tok, nil
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/testenv"
)

// TestUserTokenAuditCommands runs the user, token and audit commands as an
// operator would, against NATS with authorization on and the
// aggregator's credentials from its config file.
func TestUserTokenAuditCommands(t *testing.T) {
	n := testenv.NATSAuth(t)
	cfg := filepath.Join(t.TempDir(), "aggregator.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("nats: {url: %q, creds_file: %q}\nlisten: 127.0.0.1:0\nmetrics_listen: 127.0.0.1:0\n",
		n.URL, n.Auth.AggregatorCreds)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args []string, stdin string) (string, error) {
		var out, errOut bytes.Buffer
		var err error
		switch args[0] {
		case "user":
			err = runUser(append(args[1:2], append([]string{"-config", cfg}, args[2:]...)...), strings.NewReader(stdin), &out)
		case "token":
			err = runToken(append(args[1:2], append([]string{"-config", cfg}, args[2:]...)...), &out, &errOut)
		case "audit":
			err = runAudit(append(args[1:2], "-config", cfg), &out)
		}
		return out.String() + errOut.String(), err
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
		err   error
	}{
		{"add with a random password", []string{"user", "add", "-role", "operator", "-scope", "program=5plus1-tdp7", "lan"}, "", "password of lan (shown once): ", nil},
		{"add from stdin", []string{"user", "add", "-role", "admin", "-password-stdin", "root"}, "a-long-admin-password\n", "user root added: admin, scope all", nil},
		{"a short password is refused", []string{"user", "add", "-password-stdin", "-scope", "all", "minh"}, "short\n", "", nil},
		{"the name is taken", []string{"user", "add", "-scope", "all", "lan"}, "", "", nil},
		{"an operator needs a scope", []string{"user", "add", "-role", "operator", "hoa"}, "", "", nil},
		{"passwd", []string{"user", "passwd", "lan"}, "", "their sessions have ended", nil},
		{"disable", []string{"user", "disable", "lan"}, "", "user lan disabled", nil},
		{"list", []string{"user", "list"}, "", "lan   operator  program=5plus1-tdp7  disabled", nil},
		{"a token", []string{"token", "create", "-name", "ward-report", "-role", "viewer", "-scope", "all", "-expires", "24h"}, "", "cwt_", nil},
		{"a token without a name", []string{"token", "create"}, "", "", errUsage},
		{"tokens listed", []string{"token", "list"}, "", "ward-report  viewer  all    active", nil},
		{"the chain holds", []string{"audit", "verify"}, "", "every link holds", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(tc.args, tc.stdin)
			if tc.want == "" && tc.err == nil {
				if err == nil {
					t.Fatalf("accepted: %s", out)
				}
				return
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || !strings.Contains(out, tc.want) {
				t.Fatalf("out %q err %v, want %q", out, err, tc.want)
			}
		})
	}
	t.Run("the token is printed alone on stdout and revokes by id", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if err := runToken([]string{"create", "-config", cfg, "-name", "script", "-role", "admin"}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimSpace(out.String())
		if !strings.HasPrefix(tok, "cwt_") || strings.Contains(tok, "\n") {
			t.Fatalf("stdout %q", out.String())
		}
		id := tok[4:20]
		out.Reset()
		if err := runToken([]string{"revoke", "-config", cfg, id}, &out, &errOut); err != nil || !strings.Contains(out.String(), "revoked") {
			t.Fatalf("revoke: %q %v", out.String(), err)
		}
		out.Reset()
		_ = runToken([]string{"list", "-config", cfg}, &out, &errOut)
		if !strings.Contains(out.String(), id+"  script") || !strings.Contains(out.String(), "revoked") {
			t.Errorf("list after revoke: %s", out.String())
		}
	})
}

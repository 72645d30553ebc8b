package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seedRE matches an nkey user seed (58 characters); a public key is 56.
var seedRE = regexp.MustCompile(`SU[A-Z2-7]{56}`)

// TestNATSCreds drives `camwatch nats creds` and `camwatch keygen` as an
// operator would: files appear with the right modes, a rerun keeps the
// keys, -rotate replaces one, bad agent names are usage errors.
func TestNATSCreds(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := runNATS([]string{"creds", "-out", dir, "-agent", "q1/edge-a", "-agent", "q1/edge-b:cam-1"}, &out); err != nil {
		t.Fatal(err)
	}
	agentFile := filepath.Join(dir, "agents", "q1.edge-a.creds")
	for _, f := range []string{"auth.conf", "nats-server.conf", "aggregator.creds", "agents/q1.edge-a.creds", "agents/q1.edge-b.creds"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if strings.HasSuffix(f, ".creds") && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	auth, _ := os.ReadFile(filepath.Join(dir, "auth.conf"))
	if !strings.Contains(string(auth), `"camwatch.events.q1.edge-b.cam-1.>"`) || seedRE.Match(auth) {
		t.Errorf("auth.conf lacks the pinned camera or holds a seed:\n%s", auth)
	}
	before, _ := os.ReadFile(agentFile)
	out.Reset()
	if err := runNATS([]string{"creds", "-out", dir, "-agent", "q1/edge-a", "-agent", "q1/edge-b"}, &out); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(agentFile); !bytes.Equal(before, again) || strings.Contains(out.String(), "new keys") {
		t.Errorf("a rerun changed keys:\n%s", out.String())
	}
	out.Reset()
	if err := runNATS([]string{"creds", "-out", dir, "-agent", "q1/edge-a", "-agent", "q1/edge-b", "-rotate", "q1/edge-a"}, &out); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(agentFile); bytes.Equal(before, again) || !strings.Contains(out.String(), "rotated: q1/edge-a") {
		t.Errorf("rotate did not replace the key:\n%s", out.String())
	}
	for _, bad := range [][]string{{"creds", "-out", dir, "-agent", "q1"}, {"creds", "-out", dir, "-agent", "q1/a b"}, {"creds"}} {
		if err := runNATS(bad, &out); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
	key := filepath.Join(dir, "alerts.key")
	if err := runKeygen([]string{"-out", key}, &out); err != nil {
		t.Fatal(err)
	}
	if err := runKeygen([]string{"-out", key}, &out); err == nil {
		t.Error("keygen replaced an existing key")
	}
	if err := runKeygen([]string{"-keep", "-out", key}, &out); err != nil {
		t.Errorf("keygen -keep: %v", err)
	}
}

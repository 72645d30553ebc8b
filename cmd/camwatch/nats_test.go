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

// TestNATSCredsFromEdgeConfigs: the server's authorization is made from
// the agents' edge configs where their secrets are not (the cameras'
// passwords stay on the edge): only site, agent and camera ids are read,
// as strictly as ever, and an error names the file once.
func TestNATSCredsFromEdgeConfigs(t *testing.T) {
	t.Setenv("SIMCAM_PASSWORD", "")
	os.Unsetenv("SIMCAM_PASSWORD")
	dir := t.TempDir()
	var out bytes.Buffer
	if err := runNATS([]string{"creds", "-out", dir, "-pin-cameras", "../../configs/edge.yaml"}, &out); err != nil {
		t.Fatalf("nats creds without the cameras' passwords: %v", err)
	}
	auth, _ := os.ReadFile(filepath.Join(dir, "auth.conf"))
	if !strings.Contains(string(auth), `"camwatch.events.hcm-q1-ben-nghe.edge-ben-nghe-01.bn-leloi-01.>"`) {
		t.Errorf("auth.conf lacks the edge's pinned camera:\n%s", auth)
	}
	if _, err := os.Stat(filepath.Join(dir, "agents", "hcm-q1-ben-nghe.edge-ben-nghe-01.creds")); err != nil {
		t.Error(err)
	}
	bad := filepath.Join(t.TempDir(), "edge.yaml")
	os.WriteFile(bad, []byte("site: q1\nagent: a b\nspool_dir: /x\ncameras: [{id: c, url: rtsp://h/}]\n"), 0o644)
	err := runNATS([]string{"creds", "-out", dir, bad}, &out)
	if err == nil || !strings.Contains(err.Error(), "agent") || strings.Count(err.Error(), bad) != 1 {
		t.Errorf("a bad agent id: %v, want it named, and the file once", err)
	}
	typo := filepath.Join(t.TempDir(), "edge.yaml")
	os.WriteFile(typo, []byte("site: q1\nagent: a\nspool_dirr: /x\ncameras: [{id: c, url: rtsp://h/}]\n"), 0o644)
	if err := runNATS([]string{"creds", "-out", dir, typo}, &out); err == nil || !strings.Contains(err.Error(), "spool_dirr") {
		t.Errorf("an unknown key: %v, want it refused as by Load", err)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
)

// TestEvidenceVerifyCommand: verify prints VERIFIED with the key given,
// says when only the bundle's own key was used (never VERIFIED then),
// refuses a bundle signed by a wrong key against the deployment's, and
// names the changed file of a tampered copy with a failing exit.
func TestEvidenceVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	key, _ := signing.GenerateKey()
	buf := emptyBundle(t, key)
	good := filepath.Join(dir, "good.zip")
	os.WriteFile(good, buf.Bytes(), 0o600)
	pub := filepath.Join(dir, "pub.pem")
	os.WriteFile(pub, signing.PublicPEM(key.Public()), 0o600)
	bad := bytes.Replace(buf.Bytes(), []byte("42/2026"), []byte("43/2026"), 1)
	badFile := filepath.Join(dir, "bad.zip")
	os.WriteFile(badFile, bad, 0o600)

	var out bytes.Buffer
	if err := runEvidence([]string{"verify", good, "-key", pub}, &out, &out); err != nil || !strings.Contains(out.String(), "VERIFIED: case c1 (42/2026)") ||
		!strings.Contains(out.String(), "the key given with -key") {
		t.Fatalf("good: %v %s", err, out.String())
	}
	out.Reset()
	if err := runEvidence([]string{"verify", good}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "INTACT, SIGNER NOT CHECKED: case c1") ||
		!strings.Contains(out.String(), "who signed is not checked") {
		t.Fatalf("good without -key: %v %s", err, out.String())
	}
	// A bundle forged whole and signed by another key that the manifest
	// names: refused against the deployment's key, naming both keys;
	// without -key never called VERIFIED.
	other, _ := signing.GenerateKey()
	forged := filepath.Join(dir, "forged.zip")
	os.WriteFile(forged, emptyBundle(t, other).Bytes(), 0o600)
	out.Reset()
	if err := runEvidence([]string{"verify", forged, "-key", pub}, &out, &out); err == nil ||
		!strings.Contains(out.String(), "NOT VERIFIED: manifest.sig is not signed by key "+key.ID()+" (the manifest names key "+other.ID()+")") {
		t.Fatalf("forged with -key: %v %s", err, out.String())
	}
	out.Reset()
	if err := runEvidence([]string{"verify", forged}, &out, &out); err != nil || strings.Contains(out.String(), "VERIFIED") ||
		!strings.Contains(out.String(), "signed by key "+other.ID()+" as named in the bundle") {
		t.Fatalf("forged without -key: %v %s", err, out.String())
	}
	out.Reset()
	if err := runEvidence([]string{"verify", "-key", pub, badFile}, &out, &out); err == nil || !strings.Contains(out.String(), "NOT VERIFIED: manifest.json") {
		t.Fatalf("tampered: %v %s", err, out.String())
	}
}

// emptyBundle is a bundle of case c1 (42/2026) without events, signed by key.
func emptyBundle(t *testing.T, key *signing.Key) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	w := evidence.NewWriter(&buf, nil)
	w.Add(evidence.EventsFile, strings.NewReader(""))
	w.Add(evidence.CoverageFile, strings.NewReader("[]\n"))
	w.Add(evidence.AuditFile, strings.NewReader(""))
	if _, err := w.Finish(evidence.Manifest{Case: evidence.CaseInfo{ID: "c1", Number: "42/2026"}}, key); err != nil {
		t.Fatal(err)
	}
	return &buf
}

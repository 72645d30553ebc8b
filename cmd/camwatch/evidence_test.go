package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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

// TestEvidenceExportCommand: export shows the bytes received (of how
// many files) and the files checked, writes FILE only after the bundle
// verified against the published key, and keeps nothing (no FILE, no
// FILE.partial) when the bundle served is altered or signed by another
// key than the one the aggregator publishes.
func TestEvidenceExportCommand(t *testing.T) {
	key, _ := signing.GenerateKey()
	other, _ := signing.GenerateKey()
	good := emptyBundle(t, key).Bytes()
	serve := good
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/evidence/key":
			w.Write(signing.PublicPEM(key.Public()))
		case "/api/v1/cases/c1/export":
			if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer inv-token" {
				http.Error(w, `{"error":"no"}`, http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/zip")
			w.Header().Set("Content-Length", strconv.Itoa(len(serve)))
			w.Header().Set("X-Camwatch-Bundle-Files", "5")
			w.Write(serve)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	t.Setenv(TokenEnv, "inv-token")
	dir := t.TempDir()
	export := func(name string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := runEvidence([]string{"export", "-server", srv.URL, "-case", "c1", "-reason", "court", "-o", filepath.Join(dir, name)}, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, progress, err := export("good.zip")
	if err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("export: %v %s %s", err, out, progress)
	}
	if !strings.Contains(progress, fmt.Sprintf("received %d / %d bytes (100%%) of a bundle of 5 files", len(good), len(good))) ||
		!strings.Contains(progress, "checked 3 / 3 files") {
		t.Fatalf("progress: %q", progress)
	}
	for name, b := range map[string][]byte{
		"altered.zip":         bytes.Replace(good, []byte("42/2026"), []byte("43/2026"), 1),
		"signed-by-other.zip": emptyBundle(t, other).Bytes(),
		"cut-off.zip":         good[:len(good)/2],
	} {
		serve = b
		if _, _, err := export(name); err == nil || !strings.Contains(err.Error(), "nothing was kept") {
			t.Errorf("%s: %v", name, err)
		}
		for _, p := range []string{name, name + ".partial"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
				t.Errorf("%s left %s behind", name, p)
			}
		}
	}
}

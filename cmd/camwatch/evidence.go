package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/signing"
)

// runEvidence serves `camwatch evidence export|verify|key`.
func runEvidence(args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: evidence export|verify|key [flags]", errUsage)
	}
	switch args[0] {
	case "export":
		return evidenceExport(args[1:], out, errOut)
	case "verify":
		return evidenceVerify(args[1:], out)
	case "key":
		return evidenceKey(args[1:], out)
	}
	return fmt.Errorf("%w: unknown evidence command %q (want export, verify or key)", errUsage, args[0])
}

// evidenceExport asks a running aggregator for a case's bundle (with
// $CAMWATCH_TOKEN, an investigator's), shows the bytes as they arrive
// (of how many files) and the files as they are checked, checks the bundle against the deployment's published key and
// only then names it FILE; a failure leaves no FILE behind.
func evidenceExport(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("evidence export", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "aggregator base `URL`")
	caseID := fs.String("case", "", "case `ID` (required)")
	reason := fs.String("reason", "", "why the bundle is exported, recorded in the audit log and the manifest (required)")
	file := fs.String("o", "", "bundle `FILE` to write (required)")
	timeout := fs.Duration("timeout", 10*time.Minute, "request timeout")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *caseID == "" || *file == "" || strings.TrimSpace(*reason) == "":
		return fmt.Errorf("%w: evidence export -case ID -reason TEXT -o FILE", errUsage)
	}
	if _, err := os.Stat(*file); err == nil {
		return fmt.Errorf("%s exists already; choose another -o", *file)
	}
	pub, err := fetchKey(*server, *timeout)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"reason": *reason})
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		strings.TrimRight(*server, "/")+"/api/v1/cases/"+*caseID+"/export", strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("%w: -server: %v", errUsage, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok := os.Getenv(TokenEnv); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if !*quiet {
		fmt.Fprintf(errOut, "exporting case %s: the aggregator gathers the held files...\n", *caseID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask the aggregator: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("aggregator answered %d: %s", resp.StatusCode, e.Error)
		}
		return fmt.Errorf("aggregator answered %s", resp.Status)
	}
	partial := *file + ".partial"
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(partial)
		}
	}()
	total, _ := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	files := resp.Header.Get("X-Camwatch-Bundle-Files")
	p := &progress{w: errOut, total: total, files: files, quiet: *quiet}
	n, err := io.Copy(io.MultiWriter(f, p), resp.Body)
	p.finish()
	if err != nil {
		return fmt.Errorf("the download broke off after %d bytes: %w (nothing was kept)", n, err)
	}
	if total > 0 && n != total {
		return fmt.Errorf("the download stopped at %d of %d bytes (nothing was kept)", n, total)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	var last time.Time
	rep, err := evidence.VerifyProgress(f, n, pub, func(done, all int, b int64) {
		if !*quiet && (done == all || time.Since(last) > 200*time.Millisecond) {
			last = time.Now()
			fmt.Fprintf(errOut, "\rchecked %d / %d files, %d bytes", done, all, b)
			if done == all {
				fmt.Fprintln(errOut)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("the bundle received does not verify against the deployment's key (nothing was kept): %w", err)
	}
	if err := os.Rename(partial, *file); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	ok = true
	c := rep.Manifest.Counts
	fmt.Fprintf(out, "%s: case %s (%s), %s files, %d bytes: %d events, %d snapshots, %d clips, %d audit records; signed by key %s, verified\n",
		*file, rep.Manifest.Case.ID, rep.Manifest.Case.Number, files, n, c.Events, c.Snapshots, c.Clips, c.Audit, rep.KeyID)
	return nil
}

// progress prints bytes received on one line, at most a few times a
// second.
type progress struct {
	w     io.Writer
	total int64
	files string // the bundle's files, as the aggregator announced them
	n     int64
	last  time.Time
	quiet bool
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if !p.quiet && time.Since(p.last) > 200*time.Millisecond {
		p.last = time.Now()
		p.print()
	}
	return len(b), nil
}

func (p *progress) print() {
	of := ""
	if p.files != "" {
		of = " of a bundle of " + p.files + " files"
	}
	if p.total > 0 {
		fmt.Fprintf(p.w, "\rreceived %d / %d bytes (%d%%)%s", p.n, p.total, p.n*100/p.total, of)
	} else {
		fmt.Fprintf(p.w, "\rreceived %d bytes%s", p.n, of)
	}
}

func (p *progress) finish() {
	if !p.quiet {
		p.print()
		fmt.Fprintln(p.w)
	}
}

// evidenceVerify checks a bundle offline: with -key the deployment's
// public key (PEM), else the key the manifest names (integrity only).
func evidenceVerify(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("evidence verify", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the deployment's public evidence key `PEM` (camwatch evidence key); without it only integrity is checked")
	var rest []string
	for len(args) > 0 { // allow FILE before or after the flags
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		return fmt.Errorf("%w: evidence verify FILE [-key PUB.pem]", errUsage)
	}
	var pub ed25519.PublicKey
	if *keyFile != "" {
		data, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("-key: %w", err)
		}
		if pub, err = signing.ParsePublicPEM(data); err != nil {
			return fmt.Errorf("-key %s: %w", *keyFile, err)
		}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := evidence.Verify(f, st.Size(), pub)
	if err != nil {
		fmt.Fprintf(out, "NOT VERIFIED: %s\n", strings.TrimPrefix(err.Error(), evidence.ErrNotVerified.Error()+": "))
		return errors.New("the bundle does not verify")
	}
	m := rep.Manifest
	// Without -key anyone can make a bundle that passes (a forger signs
	// with a key of their own and names it in the manifest), so the
	// verdict does not say VERIFIED then.
	verdict := "VERIFIED"
	if !rep.Trusted {
		verdict = "INTACT, SIGNER NOT CHECKED"
	}
	fmt.Fprintf(out, "%s: case %s (%s) exported %s by %s (%s), %d files, %d bytes, %d events, %d snapshots, %d clips, %d audit records\n",
		verdict, m.Case.ID, m.Case.Number, m.ExportedAt.Format(time.RFC3339), m.Exporter.Name, m.Exporter.Role, rep.Files+2, rep.Bytes,
		m.Counts.Events, m.Counts.Snapshots, m.Counts.Clips, rep.Audit)
	if rep.Trusted {
		fmt.Fprintf(out, "signed by key %s (the key given with -key)\n", rep.KeyID)
	} else {
		fmt.Fprintf(out, "signed by key %s as named in the bundle: unchanged since signing, but who signed is not checked; pass -key with the deployment's key (camwatch evidence key)\n", rep.KeyID)
	}
	if len(m.Capped) > 0 {
		fmt.Fprintf(out, "the events of %d cameras (%s) were cut at %d per camera: later events of theirs in the window are not in the bundle\n",
			len(m.Capped), strings.Join(m.Capped, ", "), m.EventsPerCamera)
	}
	if len(m.Missing) > 0 {
		fmt.Fprintf(out, "%d referenced files are not in the bundle, each with its reason in manifest.json \"missing\"\n", len(m.Missing))
	}
	return nil
}

// evidenceKey prints the deployment's public evidence key (PEM).
func evidenceKey(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("evidence key", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "aggregator base `URL`")
	timeout := fs.Duration("timeout", 30*time.Second, "request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	pub, err := fetchKey(*server, *timeout)
	if err != nil {
		return err
	}
	_, err = out.Write(signing.PublicPEM(pub))
	if err == nil {
		fmt.Fprintf(out, "# key id %s\n", signing.KeyID(pub))
	}
	return err
}

func fetchKey(server string, timeout time.Duration) (ed25519.PublicKey, error) {
	body, err := askAggregator(server, "/api/v1/evidence/key", timeout)
	if err != nil {
		return nil, fmt.Errorf("the evidence key: %w", err)
	}
	return signing.ParsePublicPEM(body)
}

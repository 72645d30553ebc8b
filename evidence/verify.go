package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/signing"
)

// ErrNotVerified is wrapped by every failure of Verify; the message names
// the first file or record that does not match.
var ErrNotVerified = errors.New("bundle does not verify")

// Report is what Verify found.
type Report struct {
	Manifest *Manifest
	// KeyID is the id of the key the signature verified against;
	// Trusted is true when that key was given by the caller (--key), not
	// taken from the bundle itself.
	KeyID   string
	Trusted bool
	Files   int
	Bytes   int64
	Events  int
	Audit   int
}

// maxManifest bounds manifest.json (a million files fit).
const maxManifest = 256 << 20

// Verify checks a bundle with nothing but its bytes and, when pub is not
// nil, the deployment's public evidence key: the ZIP is whole, the
// signature of manifest.json verifies, every file is listed with its size
// and SHA-256 and nothing else is in the ZIP, every event's snapshot and
// clip digest equals the file's, and the audit excerpt's hash chain
// links. Without pub the key named in the manifest is used, which proves
// the bundle unchanged since signing but not who signed (Trusted false).
func Verify(r io.ReaderAt, size int64, pub ed25519.PublicKey) (*Report, error) {
	return VerifyProgress(r, size, pub, nil)
}

// VerifyProgress is Verify calling progress (when not nil) after each
// file of the manifest was checked, with the files and bytes checked so
// far and the manifest's number of files, so a large bundle's check
// shows where it is.
func VerifyProgress(r io.ReaderAt, size int64, pub ed25519.PublicKey, progress func(files, total int, bytes int64)) (*Report, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrNotVerified}, a...)...)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fail("the file is not a whole ZIP archive (truncated or damaged): %v", err)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			return nil, fail("%s appears twice in the archive", f.Name)
		}
		entries[f.Name] = f
	}
	mdata, err := readEntry(entries[ManifestFile], maxManifest)
	if err != nil {
		return nil, fail("%s: %v", ManifestFile, err)
	}
	sig, err := readEntry(entries[SignatureFile], 1024)
	if err != nil {
		return nil, fail("%s: %v", SignatureFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(mdata, &m); err != nil {
		return nil, fail("%s is not valid JSON: %v", ManifestFile, err)
	}
	rep := &Report{Manifest: &m}
	named, err := m.Key.PublicKey()
	if pub == nil {
		if err != nil {
			return nil, fail("%s: %v", ManifestFile, err)
		}
		pub = named
	} else {
		rep.Trusted = true
	}
	rep.KeyID = signing.KeyID(pub)
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, mdata, sig) {
		if rep.Trusted && err == nil && !named.Equal(pub) {
			return nil, fail("%s is not signed by key %s (the manifest names key %s)", SignatureFile, rep.KeyID, signing.KeyID(named))
		}
		return nil, fail("%s does not match %s: the manifest was changed after signing, or signed by another key than %s", SignatureFile, ManifestFile, rep.KeyID)
	}
	if m.Format != Format {
		return nil, fail("%s: format %q, this verifier reads %q", ManifestFile, m.Format, Format)
	}
	listed := map[string]File{}
	for _, f := range m.Files {
		if err := checkPath(f.Path); err != nil || f.Path == ManifestFile || f.Path == SignatureFile {
			return nil, fail("%s lists the unsafe or reserved name %q", ManifestFile, f.Path)
		}
		if _, dup := listed[f.Path]; dup {
			return nil, fail("%s lists %s twice", ManifestFile, f.Path)
		}
		listed[f.Path] = f
	}
	for _, f := range zr.File {
		if _, ok := listed[f.Name]; !ok && f.Name != ManifestFile && f.Name != SignatureFile {
			return nil, fail("%s is in the archive but not in the manifest (a file was added)", f.Name)
		}
	}
	var events, auditData []byte
	for _, f := range m.Files {
		zf := entries[f.Path]
		if zf == nil {
			return nil, fail("%s is in the manifest but not in the archive (a file was removed)", f.Path)
		}
		keep := f.Path == EventsFile || f.Path == AuditFile
		n, sum, data, err := hashEntry(zf, f.Bytes, keep)
		switch {
		case err != nil:
			return nil, fail("%s: %v", f.Path, err)
		case n != f.Bytes:
			return nil, fail("%s has %d bytes, the manifest says %d", f.Path, n, f.Bytes)
		case sum != f.SHA256:
			return nil, fail("%s has SHA-256 %s, the manifest says %s (the file was changed)", f.Path, sum, f.SHA256)
		}
		rep.Files++
		rep.Bytes += n
		if progress != nil {
			progress(rep.Files, len(m.Files), rep.Bytes)
		}
		switch f.Path {
		case EventsFile:
			events = data
		case AuditFile:
			auditData = data
		}
	}
	if rep.Events, err = checkEvents(events, listed, m.Missing); err != nil {
		return nil, fail("%v", err)
	}
	if rep.Audit, err = checkAudit(auditData); err != nil {
		return nil, fail("%v", err)
	}
	return rep, nil
}

func readEntry(f *zip.File, max int64) ([]byte, error) {
	if f == nil {
		return nil, errors.New("missing from the archive")
	}
	_, _, data, err := hashEntry(f, max, true)
	return data, err
}

// hashEntry reads at most want+1 bytes of f (so a longer file is seen as
// longer, not read for ever), returning its length, hex SHA-256 and,
// with keep, its bytes.
func hashEntry(f *zip.File, want int64, keep bool) (int64, string, []byte, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, "", nil, err
	}
	defer rc.Close()
	h := sha256.New()
	var buf bytes.Buffer
	w := io.Writer(h)
	if keep {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.Copy(w, io.LimitReader(rc, want+1))
	if err != nil {
		return n, "", nil, fmt.Errorf("unreadable (damaged archive): %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), buf.Bytes(), nil
}

// checkEvents reads events.jsonl and checks that every snapshot and clip
// an event names is either in the bundle with the digest the edge put in
// the event, or listed as missing; and that every snapshot and clip file
// belongs to an event.
func checkEvents(data []byte, files map[string]File, missing []Missing) (int, error) {
	gone := map[string]bool{}
	for _, m := range missing {
		gone[m.Path] = true
	}
	used := map[string]bool{}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		n++
		var e event.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return n, fmt.Errorf("%s line %d is not an event: %v", EventsFile, n, err)
		}
		refs := [][2]string{}
		if sn := e.Snapshot; sn != nil && sn.SHA256 != "" {
			refs = append(refs, [2]string{SnapshotPath(e.ID), sn.SHA256})
		}
		if c := e.Clip; c != nil {
			refs = append(refs, [2]string{ClipPath(c.Motion), c.SHA256})
		}
		for _, ref := range refs {
			f, ok := files[ref[0]]
			switch {
			case ok && f.SHA256 != ref[1]:
				return n, fmt.Errorf("%s line %d (event %s) records SHA-256 %s for %s, the file has %s", EventsFile, n, e.ID, ref[1], ref[0], f.SHA256)
			case !ok && !gone[ref[0]]:
				return n, fmt.Errorf("%s line %d (event %s) references %s, which is neither in the bundle nor listed as missing", EventsFile, n, e.ID, ref[0])
			}
			used[ref[0]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("%s line %d: %v", EventsFile, n+1, err)
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		if (len(p) > len(SnapshotsDir) && p[:len(SnapshotsDir)] == SnapshotsDir || len(p) > len(ClipsDir) && p[:len(ClipsDir)] == ClipsDir) && !used[p] {
			return n, fmt.Errorf("%s belongs to no event in %s", p, EventsFile)
		}
	}
	return n, nil
}

// AuditLine is one line of audit.jsonl: a record of the audit stream by
// its sequence and the SHA-256 of its stored bytes, with the record
// itself when it belongs to the case (others' records are withheld, only
// their hashes link the chain).
type AuditLine struct {
	Seq    uint64          `json:"seq"`
	SHA256 string          `json:"sha256"`
	Prev   string          `json:"prev"`
	Record json.RawMessage `json:"record,omitempty"`
}

// checkAudit checks that each included record hashes to its line's
// SHA-256 and names the line's prev, and that each line's prev is the
// SHA-256 of the line before (consecutive sequences).
func checkAudit(data []byte) (int, error) {
	n := 0
	var last *AuditLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		n++
		var l AuditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return n, fmt.Errorf("%s line %d is not an audit line: %v", AuditFile, n, err)
		}
		if len(l.Record) > 0 {
			if got := hexSum(l.Record); got != l.SHA256 {
				return n, fmt.Errorf("%s line %d (seq %d): the record hashes to %s, the line says %s (the record was changed)", AuditFile, n, l.Seq, got, l.SHA256)
			}
			var rec struct {
				Prev string `json:"prev"`
			}
			if err := json.Unmarshal(l.Record, &rec); err != nil || rec.Prev != l.Prev {
				return n, fmt.Errorf("%s line %d (seq %d): the record's prev is not the line's", AuditFile, n, l.Seq)
			}
		}
		if last != nil {
			switch {
			case l.Seq != last.Seq+1:
				return n, fmt.Errorf("%s line %d: seq %d follows seq %d (a record is missing)", AuditFile, n, l.Seq, last.Seq)
			case l.Prev != last.SHA256:
				return n, fmt.Errorf("%s line %d (seq %d) does not link to seq %d (broken chain)", AuditFile, n, l.Seq, last.Seq)
			}
		}
		last = &l
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("%s line %d: %v", AuditFile, n+1, err)
	}
	return n, nil
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

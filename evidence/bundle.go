package evidence

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/camwatch/camwatch/signing"
)

// Format names the bundle layout this build writes and reads.
const Format = "camwatch-evidence/1"

// The fixed files of a bundle; snapshots and clips are SnapshotsDir and
// ClipsDir followed by the event id.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
	EventsFile    = "events.jsonl"
	CoverageFile  = "coverage.json"
	AuditFile     = "audit.jsonl"
	SnapshotsDir  = "snapshots/"
	ClipsDir      = "clips/"
)

// SnapshotPath is the bundle path of event id's snapshot.
func SnapshotPath(id string) string { return SnapshotsDir + id + ".jpg" }

// ClipPath is the bundle path of the clip of motion event id.
func ClipPath(id string) string { return ClipsDir + id + ".mp4" }

// Manifest is manifest.json: what the bundle is, who exported it, and
// every other file with its size and SHA-256. manifest.sig is the raw
// 64-byte Ed25519 signature of manifest.json's exact bytes.
type Manifest struct {
	Format     string    `json:"format"`
	Case       CaseInfo  `json:"case"`
	Query      Query     `json:"query"`
	TimeZone   string    `json:"time_zone"`
	Exporter   Exporter  `json:"exporter"`
	Reason     string    `json:"reason"`
	ExportedAt time.Time `json:"exported_at"`
	Version    string    `json:"camwatch_version"`
	// Key names the evidence key that signed manifest.sig: its id and
	// public half (base64 of the 32 raw bytes). Checking against a key
	// obtained elsewhere (--key) is what proves who signed.
	Key    KeyInfo `json:"key"`
	Counts Counts  `json:"counts"`
	Files  []File  `json:"files"`
	// Missing lists the snapshots and clips that events reference but
	// the bundle does not hold, each with why (never received, refused
	// for a wrong digest, upload never finished), so an absence is
	// stated and signed, not silent.
	Missing []Missing `json:"missing,omitempty"`
	// Capped names the cameras (site/camera) that had more events in the
	// window than the hold keeps per camera, EventsPerCamera: events.jsonl
	// holds the first that many of each, so the rest is stated absent.
	Capped          []string `json:"capped,omitempty"`
	EventsPerCamera int      `json:"events_per_camera,omitempty"`
}

// CaseInfo is the case as it stood at export.
type CaseInfo struct {
	ID       string     `json:"id"`
	Number   string     `json:"number"`
	Title    string     `json:"title"`
	Reason   string     `json:"reason"`
	Status   string     `json:"status"`
	OpenedBy string     `json:"opened_by"`
	OpenedAt time.Time  `json:"opened_at"`
	Cameras  []Camera   `json:"cameras"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// Exporter is who asked for the bundle.
type Exporter struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role"`
	Addr string `json:"addr,omitempty"`
}

// KeyInfo names a public key.
type KeyInfo struct {
	ID     string `json:"id"`
	Public string `json:"public"`
}

// Counts are what the bundle holds.
type Counts struct {
	Events    int `json:"events"`
	Snapshots int `json:"snapshots"`
	Clips     int `json:"clips"`
	Audit     int `json:"audit_records"`
	Cameras   int `json:"cameras"`
}

// File is one entry of the manifest.
type File struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Missing is a referenced file the bundle does not hold.
type Missing struct {
	Event  string `json:"event"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Progress is called after each file a Writer adds.
type Progress func(files int, bytes int64)

// Writer writes a bundle: files first, then the signed manifest.
type Writer struct {
	zw       *zip.Writer
	files    []File
	seen     map[string]bool
	bytes    int64
	progress Progress
}

// NewWriter starts a bundle on w; progress may be nil.
func NewWriter(w io.Writer, progress Progress) *Writer {
	return &Writer{zw: zip.NewWriter(w), seen: map[string]bool{}, progress: progress}
}

// Add writes one file, hashing it on the way, and returns its entry.
// JPEG and MP4 are stored (they are compressed already), the rest
// deflated.
func (b *Writer) Add(name string, r io.Reader) (File, error) {
	if err := checkPath(name); err != nil {
		return File{}, err
	}
	if name == ManifestFile || name == SignatureFile || b.seen[name] {
		return File{}, fmt.Errorf("bundle: %s added twice", name)
	}
	method := zip.Deflate
	if strings.HasSuffix(name, ".jpg") || strings.HasSuffix(name, ".mp4") {
		method = zip.Store
	}
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: time.Unix(0, 0).UTC()})
	if err != nil {
		return File{}, fmt.Errorf("bundle %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return File{}, fmt.Errorf("bundle %s: %w", name, err)
	}
	f := File{Path: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	b.files = append(b.files, f)
	b.seen[name] = true
	b.bytes += n
	if b.progress != nil {
		b.progress(len(b.files), b.bytes)
	}
	return f, nil
}

// Finish writes manifest.json (m with the files added) and its signature
// by key, and closes the ZIP. It returns the manifest's bytes.
func (b *Writer) Finish(m Manifest, key *signing.Key) ([]byte, error) {
	m.Format = Format
	m.Files = b.files
	m.Key = KeyInfo{ID: key.ID(), Public: base64.StdEncoding.EncodeToString(key.Public())}
	data, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bundle manifest: %w", err)
	}
	data = append(data, '\n')
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestFile, data}, {SignatureFile, key.SignRaw(data)}} {
		w, err := b.zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", f.name, err)
		}
	}
	if err := b.zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return data, nil
}

// checkPath refuses names that could escape a directory when unpacked or
// mean two things: absolute, "..", backslashes, empty parts.
func checkPath(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") ||
		path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." || len(name) > 255 {
		return fmt.Errorf("bundle: %q is not a safe file name", name)
	}
	return nil
}

// PublicKey decodes a KeyInfo's public half.
func (k KeyInfo) PublicKey() (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(k.Public)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("manifest key: not a base64 Ed25519 public key")
	}
	return ed25519.PublicKey(raw), nil
}

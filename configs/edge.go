package configs

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
)

// Edge is the edge agent's file (see edge.yaml).
type Edge struct {
	// Site groups the cameras of one deployment (a ward, a city); it is a
	// subject token.
	Site string `yaml:"site"`
	// Agent is this agent's unique id.
	Agent string `yaml:"agent"`
	NATS  NATS   `yaml:"nats"`
	// SpoolDir keeps events on disk until JetStream has acknowledged them.
	SpoolDir string `yaml:"spool_dir"`
	// SpoolMaxMB bounds the spool; when full the oldest events are dropped
	// and counted.
	SpoolMaxMB int `yaml:"spool_max_mb"`
	// MetricsListen serves /metrics and /healthz when set.
	MetricsListen string     `yaml:"metrics_listen"`
	Timing        EdgeTiming `yaml:"timing"`
	// Clips says where finished event clips wait for upload.
	Clips EdgeClips `yaml:"clips"`
	// Snapshots bounds the pictures the agent sends besides events.
	Snapshots EdgeSnapshots `yaml:"snapshots"`
	// Defaults apply to every camera that does not set its own.
	Defaults CameraDefaults `yaml:"defaults"`
	Cameras  []Camera       `yaml:"cameras"`
}

// EdgeTiming groups the agent's clocks.
type EdgeTiming struct {
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	StatsInterval     time.Duration `yaml:"stats_interval"`
	// StallTimeout declares a camera offline when no frame arrived for
	// this long although the session is open (at most 3s by default).
	StallTimeout time.Duration `yaml:"stall_timeout"`
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	// ReadTimeout is vdk's per-read deadline on the RTSP socket.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// Backoff are the reconnect delays, stepped; the last repeats. Each is
	// jittered by up to +-20%.
	Backoff []time.Duration `yaml:"backoff"`
	// ProbeInterval spaces the OPTIONS probes of an offline camera, which
	// redial it as soon as it answers again (docs/uptime.md).
	ProbeInterval time.Duration `yaml:"probe_interval"`
}

// EdgeSnapshots configures the pictures the console shows: every motion
// start and picture fault sends one, and between them each camera sends a
// thumbnail every ThumbnailInterval, all within BudgetKbps on the uplink.
type EdgeSnapshots struct {
	// ThumbnailInterval spaces a camera's periodic thumbnails (10s to
	// 24h, default 5m); any snapshot restarts it.
	ThumbnailInterval time.Duration `yaml:"thumbnail_interval"`
	// BudgetKbps bounds the agent's snapshot traffic, averaged (default
	// 128 kbit/s); thumbnails over it wait, motion snapshots do not.
	BudgetKbps float64 `yaml:"budget_kbps"`
}

func (s *EdgeSnapshots) validate() error {
	if s.ThumbnailInterval == 0 {
		s.ThumbnailInterval = 5 * time.Minute
	}
	if s.ThumbnailInterval < 10*time.Second || s.ThumbnailInterval > 24*time.Hour {
		return fieldErr("snapshots.thumbnail_interval", "must be 10s to 24h, got %s", s.ThumbnailInterval)
	}
	if s.BudgetKbps == 0 {
		s.BudgetKbps = 128
	}
	if s.BudgetKbps < 8 || s.BudgetKbps > 100000 {
		return fieldErr("snapshots.budget_kbps", "must be 8 to 100000, got %g", s.BudgetKbps)
	}
	return nil
}

// CameraDefaults are per-camera settings shared by all cameras.
type CameraDefaults struct {
	Motion Motion `yaml:"motion"`
	Clips  Clips  `yaml:"clips"`
}

// EdgeClips is the agent's clip spool (docs/evidence.md).
type EdgeClips struct {
	// Dir keeps finished clips until uploaded; default spool_dir/clips.
	Dir string `yaml:"dir"`
	// DiskBudgetMB bounds it (default 2048): beyond it the oldest waiting
	// clips are dropped and counted.
	DiskBudgetMB int `yaml:"disk_budget_mb"`
}

// Clips turns on a camera's event clips: an MP4 of each motion interval
// from PreRoll before its start to PostRoll after its end, at most
// MaxLength, without re-encoding.
type Clips struct {
	Enabled   bool          `yaml:"enabled"`
	PreRoll   time.Duration `yaml:"pre_roll"`
	PostRoll  time.Duration `yaml:"post_roll"`
	MaxLength time.Duration `yaml:"max_length"`
	// RingKB bounds the pre-roll's memory per camera (default 4096).
	RingKB int `yaml:"ring_kb"`
}

func (c *Clips) validate(name string) error {
	for _, d := range []struct {
		n        string
		p        *time.Duration
		def, max time.Duration
	}{{"pre_roll", &c.PreRoll, 5 * time.Second, 30 * time.Second}, {"post_roll", &c.PostRoll, 5 * time.Second, 60 * time.Second},
		{"max_length", &c.MaxLength, 60 * time.Second, 10 * time.Minute}} {
		if *d.p == 0 {
			*d.p = d.def
		}
		if *d.p < 0 || *d.p > d.max {
			return fieldErr(name+"."+d.n, "must be 0s to %s, got %s", d.max, *d.p)
		}
	}
	if c.RingKB == 0 {
		c.RingKB = 4096
	}
	if c.RingKB < 64 || c.RingKB > 256<<10 {
		return fieldErr(name+".ring_kb", "must be 64 to 262144, got %d", c.RingKB)
	}
	return nil
}

// Motion configures a camera's motion detection. A file holding only
// these keys is what `camwatch detect -config` reads, so settings tuned on
// footage paste straight into a camera's motion section.
type Motion struct {
	// Detector is "auto" (the default: the gate, which decodes every
	// frame instead whenever the camera's compressed signal turns out
	// unusable, judged per camera at run time), "compressed" (frame sizes,
	// no decoding, only for constant-quality encoders), "pixel" (decoded
	// gray frames: zones, masks, lighting rejection), "gate" (pixel,
	// decoding only while the compressed tier sees activity, to save CPU)
	// or "off".
	Detector string `yaml:"detector"`
	// Sensitivity scales the trigger threshold: higher finds smaller
	// motion, and more false alarms. 1 to 10, default 5.
	Sensitivity int `yaml:"sensitivity"`
	// MinDuration is how long motion must last before motion.start.
	MinDuration time.Duration `yaml:"min_duration"`
	// PostRoll is how long it must be quiet before motion.end.
	PostRoll time.Duration `yaml:"post_roll"`
	// DetectFPS is the pixel tier's decode rate, default 5.
	DetectFPS float64 `yaml:"detect_fps"`
	// DetectWidth is the pixel tier's picture width, default 320.
	DetectWidth int `yaml:"detect_width"`
	// MinArea is the smallest moving region, percent of the picture
	// (pixel tier), default 0.25.
	MinArea float64 `yaml:"min_area"`
	// SmallArea is the smallest region that counts when it is compact and
	// tracked for 0.8 s on a clean picture (a distant person), percent of
	// the picture, at most min_area (equal: off), default 0.06.
	SmallArea float64 `yaml:"small_area"`
	// Zones are named polygons; motion events say which were hit.
	Zones []Zone `yaml:"zones"`
	// Masks are polygons where nothing counts (a tree, a road, a clock).
	Masks []Zone `yaml:"masks"`
	// SnapshotWidth is the width of the colour JPEGs sent with motion and
	// picture-fault events: 0 (the default) is the stream's own width, at
	// most 1920; 64 to 3840 otherwise (never wider than the stream).
	SnapshotWidth int `yaml:"snapshot_width"`
}

// Zone is a named polygon in picture coordinates normalised to 0..1
// (x right, y down), so it holds at any resolution and detect width.
type Zone struct {
	Name   string       `yaml:"name"`
	Points [][2]float64 `yaml:"points"`
}

// Validate implements Validator for a file holding one Motion section.
func (m *Motion) Validate() error { return m.validate("motion") }

func (m *Motion) validate(field string) error {
	switch strings.ToLower(m.Detector) {
	case "":
		m.Detector = "auto"
	case "auto", "compressed", "pixel", "gate", "off":
		m.Detector = strings.ToLower(m.Detector)
	default:
		return fieldErr(field+".detector", "%q must be auto, pixel, compressed, gate or off", m.Detector)
	}
	if m.Sensitivity == 0 {
		m.Sensitivity = 5
	}
	if m.Sensitivity < 1 || m.Sensitivity > 10 {
		return fieldErr(field+".sensitivity", "must be 1 to 10, got %d", m.Sensitivity)
	}
	if err := positive(field+".min_duration", &m.MinDuration, 400*time.Millisecond); err != nil {
		return err
	}
	if err := positive(field+".post_roll", &m.PostRoll, 3*time.Second); err != nil {
		return err
	}
	if m.DetectFPS == 0 {
		m.DetectFPS = 5
	}
	if m.DetectFPS < 0.2 || m.DetectFPS > 30 {
		return fieldErr(field+".detect_fps", "must be 0.2 to 30, got %g", m.DetectFPS)
	}
	if m.DetectWidth == 0 {
		m.DetectWidth = 320
	}
	if m.DetectWidth < 32 || m.DetectWidth > 1920 {
		return fieldErr(field+".detect_width", "must be 32 to 1920, got %d", m.DetectWidth)
	}
	if m.MinArea == 0 {
		m.MinArea = 0.25
	}
	if m.MinArea < 0 || m.MinArea > 100 {
		return fieldErr(field+".min_area", "must be a percent above 0, got %g", m.MinArea)
	}
	if m.SmallArea == 0 {
		m.SmallArea = min(0.06, m.MinArea)
	}
	if m.SmallArea < 0 || m.SmallArea > m.MinArea {
		return fieldErr(field+".small_area", "must be a percent above 0 and at most min_area (%g), got %g", m.MinArea, m.SmallArea)
	}
	if m.SnapshotWidth != 0 && (m.SnapshotWidth < 64 || m.SnapshotWidth > 3840) {
		return fieldErr(field+".snapshot_width", "must be 0 (the stream's width) or 64 to 3840, got %d", m.SnapshotWidth)
	}
	if len(m.Zones) > 32 {
		return fieldErr(field+".zones", "at most 32 zones, got %d", len(m.Zones))
	}
	names := map[string]bool{}
	for i, z := range m.Zones {
		f := idx(field+".zones", i)
		if !event.ValidToken(z.Name) {
			return fieldErr(f+".name", "%q is not a valid name (letters, digits, - and _)", z.Name)
		}
		if names[z.Name] {
			return fieldErr(f+".name", "%q is used twice", z.Name)
		}
		names[z.Name] = true
		if err := checkPolygon(f, z.Points); err != nil {
			return err
		}
	}
	for i, z := range m.Masks {
		if err := checkPolygon(idx(field+".masks", i), z.Points); err != nil {
			return err
		}
	}
	return nil
}

func checkPolygon(field string, pts [][2]float64) error {
	if len(pts) < 3 {
		return fieldErr(field+".points", "a polygon needs at least 3 points, got %d", len(pts))
	}
	for j, p := range pts {
		if p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1 {
			return fieldErr(idx(field+".points", j), "[%g, %g] is outside 0..1", p[0], p[1])
		}
	}
	return nil
}

// Camera is one camera the agent watches.
type Camera struct {
	ID string `yaml:"id"`
	// URL is rtsp://host:port/path. A user name may be in it; a password
	// must not be: use Password or, better, PasswordEnv.
	URL         string       `yaml:"url"`
	Username    string       `yaml:"username"`
	Password    Secret       `yaml:"password"`
	PasswordEnv string       `yaml:"password_env"`
	Labels      event.Labels `yaml:"labels"`
	Motion      *Motion      `yaml:"motion"`
	// Clips overrides defaults.clips for this camera.
	Clips *Clips `yaml:"clips"`
	// Disabled cameras are kept in the file but not watched.
	Disabled bool `yaml:"disabled"`
}

// Validate implements Validator.
func (c *Edge) Validate() error {
	if err := checkToken("site", c.Site); err != nil {
		return err
	}
	if err := checkToken("agent", c.Agent); err != nil {
		return err
	}
	if err := c.NATS.validate("nats"); err != nil {
		return err
	}
	if c.SpoolDir == "" {
		return fieldErr("spool_dir", "is required")
	}
	if err := c.Snapshots.validate(); err != nil {
		return err
	}
	if c.SpoolMaxMB == 0 {
		c.SpoolMaxMB = 1024
	}
	if c.SpoolMaxMB < 0 {
		return fieldErr("spool_max_mb", "must be positive")
	}
	if c.Clips.DiskBudgetMB == 0 {
		c.Clips.DiskBudgetMB = 2048
	}
	if c.Clips.DiskBudgetMB < 0 {
		return fieldErr("clips.disk_budget_mb", "must be positive")
	}
	if err := c.Defaults.Clips.validate("defaults.clips"); err != nil {
		return err
	}
	for i := range c.Cameras {
		if cl := c.Cameras[i].Clips; cl != nil {
			if err := cl.validate(fmt.Sprintf("cameras[%d].clips", i)); err != nil {
				return err
			}
		}
	}
	t := &c.Timing
	for _, d := range []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"timing.heartbeat_interval", &t.HeartbeatInterval, 10 * time.Second},
		{"timing.stats_interval", &t.StatsInterval, 30 * time.Second},
		{"timing.stall_timeout", &t.StallTimeout, 2 * time.Second},
		{"timing.dial_timeout", &t.DialTimeout, 5 * time.Second},
		{"timing.read_timeout", &t.ReadTimeout, 5 * time.Second},
		{"timing.probe_interval", &t.ProbeInterval, time.Second},
	} {
		if err := positive(d.name, d.p, d.def); err != nil {
			return err
		}
	}
	if len(t.Backoff) == 0 {
		t.Backoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}
	}
	for i, b := range t.Backoff {
		if b <= 0 {
			return fieldErr(idx("timing.backoff", i), "must be positive, got %s", b)
		}
	}
	if err := c.Defaults.Motion.validate("defaults.motion"); err != nil {
		return err
	}
	ids := make([]string, len(c.Cameras))
	for i, cam := range c.Cameras {
		ids[i] = cam.ID
	}
	if err := checkCameraIDs(ids); err != nil {
		return err
	}
	for i := range c.Cameras {
		cam := &c.Cameras[i]
		f := idx("cameras", i)
		u, err := url.Parse(cam.URL)
		if err != nil || (u.Scheme != "rtsp" && u.Scheme != "rtsps") || u.Host == "" {
			return fieldErr(f+".url", "%q is not an rtsp:// URL", redactURL(cam.URL))
		}
		if _, has := u.User.Password(); has {
			return fieldErr(f+".url", "must not contain a password; use password_env")
		}
		if u.User != nil {
			if cam.Username != "" && cam.Username != u.User.Username() {
				return fieldErr(f+".username", "disagrees with the user name in url")
			}
			cam.Username = u.User.Username()
		}
		pw, err := secretFrom(f+".password", cam.Password, cam.PasswordEnv)
		if err != nil {
			return err
		}
		cam.Password = pw
		if !cam.Password.Empty() && cam.Username == "" {
			return fieldErr(f+".username", "is required when a password is set")
		}
		if cam.Motion == nil {
			m := c.Defaults.Motion
			cam.Motion = &m
		} else if err := cam.Motion.validate(f + ".motion"); err != nil {
			return err
		}
	}
	return nil
}

// StreamURL returns the camera URL with credentials filled in, for the
// RTSP client only. Never log it.
func (c *Camera) StreamURL() string { return CredentialURL(c.URL, c.Username, c.Password) }

// PublicURL returns the camera URL without any credentials, safe to log
// and to show.
func (c *Camera) PublicURL() string { return PublicURL(c.URL) }

// CredentialURL puts user and password into raw, for an RTSP client that
// takes credentials only in the URL. Never log the result.
func CredentialURL(raw, user string, password Secret) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	switch {
	case !password.Empty():
		u.User = url.UserPassword(user, password.Reveal())
	case user != "":
		u.User = url.User(user)
	}
	return u.String()
}

// PublicURL returns raw without any credentials, safe to log and show.
func PublicURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactURL(raw)
	}
	u.User = nil
	return u.String()
}

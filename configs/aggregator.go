package configs

import (
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Aggregator is the central aggregator's file (see aggregator.yaml).
type Aggregator struct {
	NATS  NATS  `yaml:"nats"`
	Redis Redis `yaml:"redis"`
	// Listen is the HTTP address of the API, console and /metrics.
	Listen string `yaml:"listen"`
	// TimeZone is the site's zone, for schedules and reports.
	TimeZone  string    `yaml:"timezone"`
	Stream    Stream    `yaml:"stream"`
	Consumer  Consumer  `yaml:"consumer"`
	Retention Retention `yaml:"retention"`
	// AgentTimeout marks an agent lost, and its cameras unknown, when no
	// heartbeat came for this long.
	AgentTimeout time.Duration `yaml:"agent_timeout"`
	Alerts       AlertEngine   `yaml:"alerts"`
	// Uptime sets the SLA targets of uptime reports.
	Uptime Uptime `yaml:"uptime"`
	// Admission bounds what an event may claim about time and sequence.
	Admission Admission `yaml:"admission"`
	// MetricsListen serves /metrics alone on this address (loopback by
	// default, for the Prometheus scraper); "off" serves it nowhere but
	// behind MetricsTokenEnv on Listen.
	MetricsListen string `yaml:"metrics_listen"`
	// MetricsTokenEnv names a variable holding a bearer token that opens
	// /metrics on Listen (for a scraper on another host).
	MetricsTokenEnv string `yaml:"metrics_token_env"`
	MetricsToken    Secret `yaml:"-"`
	// TLSCert and TLSKey make the aggregator serve HTTPS itself (PEM
	// files); without them run it behind a TLS reverse proxy.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	HTTP    HTTP   `yaml:"http"`
	Auth    Auth   `yaml:"auth"`
	Audit   Audit  `yaml:"audit"`
	// Evidence configures cases, clips and evidence bundles
	// (docs/evidence.md).
	Evidence Evidence `yaml:"evidence"`
	// Wards and Programs give the ids that cameras carry in their labels
	// display names (vi, en) and a community-model kind; every page,
	// report and notification shows these names (docs/config.md).
	Wards    []Ward    `yaml:"wards"`
	Programs []Program `yaml:"programs"`
	// MQTT publishes camera state, motion and alerts for Home Assistant
	// (docs/mqtt.md); off without a url.
	MQTT MQTT `yaml:"mqtt"`
}

// Evidence configures the investigators' side.
type Evidence struct {
	// Key is the deployment's Ed25519 evidence key (PEM PKCS #8,
	// `camwatch keygen`) that signs bundles; every replica needs the same
	// file. Without it no bundle is exported.
	Key string `yaml:"key"`
	// ClipsTTL keeps clips in the clips bucket this long (default 72h);
	// clips of open cases are copied into the holds bucket first.
	ClipsTTL time.Duration `yaml:"clips_ttl"`
	// ClipsMaxBytes bounds the clips bucket (default 1 GiB; JetStream reserves it).
	ClipsMaxBytes int64 `yaml:"clips_max_bytes"`
	// HoldSync is how often open cases' holds are brought up to date
	// (default 5m); keep it well under retention.events.
	HoldSync time.Duration `yaml:"hold_sync"`
}

// MQTT is the aggregator's MQTT bridge: it connects to nats-server's MQTT
// listener as the bridge user that `camwatch nats creds -mqtt` made.
type MQTT struct {
	// URL of the MQTT listener, tcp://host:1883 or ssl://host:8883.
	URL         string `yaml:"url"`
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`
	Password    Secret `yaml:"-"`
	// Prefix starts camwatch's topics (default camwatch); DiscoveryPrefix
	// is Home Assistant's (default homeassistant).
	Prefix          string `yaml:"prefix"`
	DiscoveryPrefix string `yaml:"discovery_prefix"`
	// Lang of the names in discovery payloads: vi (default) or en.
	Lang string `yaml:"lang"`
	// Interval between comparisons of camera state (default 2s).
	Interval time.Duration `yaml:"interval"`
}

func (m *MQTT) validate() error {
	if m.URL == "" {
		return nil
	}
	u, err := url.Parse(m.URL)
	if err != nil || (u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "mqtt" && u.Scheme != "mqtts") || u.Host == "" || u.User != nil {
		return fieldErr("mqtt.url", "%q is not a tcp:// or ssl:// URL without credentials", m.URL)
	}
	if m.Username == "" || m.PasswordEnv == "" {
		return fieldErr("mqtt.username", "username and password_env are required (the bridge user of `camwatch nats creds -mqtt`)")
	}
	pw, err := secretFrom("mqtt.password", Secret{}, m.PasswordEnv)
	if err != nil {
		return err
	}
	m.Password = pw
	for _, p := range []struct{ name, v string }{{"mqtt.prefix", m.Prefix}, {"mqtt.discovery_prefix", m.DiscoveryPrefix}} {
		if p.v != "" && (strings.ContainsAny(p.v, "+#/ ") || !utf8.ValidString(p.v)) {
			return fieldErr(p.name, "%q must be one topic level without + # / or spaces", p.v)
		}
	}
	switch m.Lang {
	case "", "vi", "en":
	default:
		return fieldErr("mqtt.lang", "%q is not vi or en", m.Lang)
	}
	return positive("mqtt.interval", &m.Interval, 2*time.Second)
}

// HTTP configures the API's listener and its defences (docs/security.md).
type HTTP struct {
	// PublicURL is the URL people open, e.g. https://camwatch.example.org;
	// default http://LISTEN (localhost for an unspecified address).
	PublicURL string `yaml:"public_url"`
	// Hosts are the Host names the API answers to; default the public
	// URL's host and the loopback names.
	Hosts []string `yaml:"hosts"`
	// TrustedProxies (CIDRs) may set X-Forwarded-For.
	TrustedProxies    []string      `yaml:"trusted_proxies"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// SSEPerUser and SSETotal bound open live alert feeds.
	SSEPerUser int `yaml:"sse_per_user"`
	SSETotal   int `yaml:"sse_total"`
	// MaxSilencesPerScope and MaxMaintenancePerScope bound what is in
	// force per target (a program, ward, camera or everything).
	MaxSilencesPerScope    int `yaml:"max_silences_per_scope"`
	MaxMaintenancePerScope int `yaml:"max_maintenance_per_scope"`
	// ViewerHidesLocations drops cameras' location labels for viewers.
	ViewerHidesLocations *bool `yaml:"viewer_hides_locations"`
}

// Auth configures identities, sessions and logins.
type Auth struct {
	// Bucket is the JetStream key-value bucket of users and tokens.
	Bucket          string        `yaml:"bucket"`
	SessionIdle     time.Duration `yaml:"session_idle"`
	SessionAbsolute time.Duration `yaml:"session_absolute"`
	// FailuresPerUser and FailuresPerAddress failed logins within
	// FailureWindow lock that user, or that address, for the window.
	FailuresPerUser    int           `yaml:"failures_per_user"`
	FailuresPerAddress int           `yaml:"failures_per_address"`
	FailureWindow      time.Duration `yaml:"failure_window"`
	// BootstrapAdminEnv names the variable whose password creates the
	// first admin (user BootstrapAdmin) on a deployment without users;
	// read once at start.
	BootstrapAdminEnv string `yaml:"bootstrap_admin_env"`
	BootstrapAdmin    string `yaml:"bootstrap_admin"`
}

// Audit configures the audit log.
type Audit struct {
	Stream string `yaml:"stream"`
	// MaxAge keeps records in the stream this long; 0 keeps them for ever.
	MaxAge time.Duration `yaml:"max_age"`
	// IndexRetention keeps the Redis index for queries this long.
	IndexRetention time.Duration `yaml:"index_retention"`
}

// Admission bounds the time and sequence claims of events (see
// docs/events.md); every refusal is dead-lettered or counted by reason.
type Admission struct {
	// MaxSkew: an event dated more than this ahead of the time JetStream
	// stored it is dead-lettered ("future"). Default 2m.
	MaxSkew time.Duration `yaml:"max_skew"`
	// MaxAge: a late event (arriving after newer ones) that was older than
	// this when stored is kept in the timeline but does not change status
	// history. Default 7 days.
	MaxAge time.Duration `yaml:"max_age"`
	// MaxSeqAdvance: one event may move a camera's seq ahead by at most
	// this within one spool epoch ("seq_jump"). Default 1000000.
	MaxSeqAdvance int64 `yaml:"max_seq_advance"`
}

// AlertEngine configures the alerts engine the aggregator runs (see
// docs/alerts.md). Without a rules file no alerts are evaluated and the
// alert routes answer 503.
type AlertEngine struct {
	// Rules is the rules file (e.g. configs/alerts.yaml), relative to the
	// working directory; SIGHUP and POST /api/v1/alerts/reload reread it.
	Rules string `yaml:"rules"`
	// Receivers is the webhook receivers file (e.g. configs/receivers.yaml,
	// read as notify.File); every replica delivers from it. Empty means
	// transitions are only on the stream, the API and the SSE feed.
	Receivers string `yaml:"receivers"`
	// Tick is how often the evaluating replica advances the alert clock.
	Tick time.Duration `yaml:"tick"`
	// LeaseTTL is how long a silent evaluating replica keeps the lead
	// before another takes over.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// History keeps alert transitions this long in Redis.
	History time.Duration `yaml:"history"`
	// SigningKey is the Ed25519 key (PEM PKCS #8, `camwatch keygen`) that
	// signs every transition; the notifier and the live feed deliver only
	// transitions it signed. Every replica needs the same file. Without
	// it each replica makes a key of its own at start (one replica only).
	SigningKey string `yaml:"signing_key"`
}

// Redis says how to reach Redis: one server (URL), a Redis Cluster
// (Cluster) or a primary behind Sentinel (Sentinel). The same key layout
// works on all three (docs/redis.md).
type Redis struct {
	// URL such as redis://127.0.0.1:6379/0, without a password.
	URL string `yaml:"url"`
	// Cluster lists host:port of some (ideally all) cluster nodes; the
	// client discovers the rest and follows MOVED/ASK. Replaces URL.
	Cluster []string `yaml:"cluster"`
	// Sentinel names the master the sentinels watch and the sentinels'
	// host:port; the client asks them for the primary and follows a
	// failover. Replaces URL.
	Sentinel *Sentinel `yaml:"sentinel"`
	// PasswordEnv names the environment variable with the password of
	// the Redis nodes (also the sentinels' if they ask for one).
	PasswordEnv string `yaml:"password_env"`
	Password    Secret `yaml:"-"`
	// WaitReplicas holds each batch's acks until that many replicas have
	// its writes (Redis WAIT; on a cluster, per master), so a failover or
	// a killed primary loses no acknowledged event; 0 (default) does not
	// wait.
	WaitReplicas int `yaml:"wait_replicas"`
	// Prefix starts every key, so several deployments can share a server.
	Prefix string `yaml:"prefix"`
}

// Sentinel is a primary watched by Redis Sentinel.
type Sentinel struct {
	Master string   `yaml:"master"`
	Addrs  []string `yaml:"addrs"`
}

// Stream configures the JetStream stream that is the durable record.
type Stream struct {
	Name string `yaml:"name"`
	// MaxAge keeps events this long in JetStream.
	MaxAge time.Duration `yaml:"max_age"`
	// DuplicateWindow is JetStream's Nats-Msg-Id dedupe window.
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	Replicas        int           `yaml:"replicas"`
}

// Consumer configures the shared durable pull consumer.
type Consumer struct {
	Durable string        `yaml:"durable"`
	Batch   int           `yaml:"batch"`
	AckWait time.Duration `yaml:"ack_wait"`
	// MaxDeliver bounds redeliveries of a message Redis keeps refusing;
	// after it the message goes to the dead-letter subject.
	MaxDeliver int `yaml:"max_deliver"`
}

// Retention says how long Redis keeps what.
type Retention struct {
	Events      time.Duration `yaml:"events"`
	Transitions time.Duration `yaml:"transitions"`
}

// Validate implements Validator.
func (c *Aggregator) Validate() error {
	if err := c.NATS.validate("nats"); err != nil {
		return err
	}
	if err := c.Redis.validate(); err != nil {
		return err
	}
	pw, err := secretFrom("redis.password", Secret{}, c.Redis.PasswordEnv)
	if err != nil {
		return err
	}
	c.Redis.Password = pw
	if c.Redis.Prefix == "" {
		c.Redis.Prefix = "camwatch"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if c.TimeZone == "" {
		c.TimeZone = "Asia/Ho_Chi_Minh"
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return fieldErr("timezone", "%q is not a known time zone", c.TimeZone)
	}
	if c.Stream.Name == "" {
		c.Stream.Name = "CAMWATCH_EVENTS"
	}
	if c.Stream.Replicas == 0 {
		c.Stream.Replicas = 1
	}
	if c.Consumer.Durable == "" {
		c.Consumer.Durable = "aggregator"
	}
	if c.Consumer.Batch == 0 {
		c.Consumer.Batch = 256
	}
	if c.Consumer.Batch < 1 || c.Consumer.Batch > 10000 {
		return fieldErr("consumer.batch", "must be 1 to 10000, got %d", c.Consumer.Batch)
	}
	if c.Consumer.MaxDeliver == 0 {
		c.Consumer.MaxDeliver = 20
	}
	for _, d := range []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"stream.max_age", &c.Stream.MaxAge, 30 * 24 * time.Hour},
		{"admission.max_skew", &c.Admission.MaxSkew, 2 * time.Minute},
		{"admission.max_age", &c.Admission.MaxAge, 7 * 24 * time.Hour},
		{"stream.duplicate_window", &c.Stream.DuplicateWindow, 2 * time.Minute},
		{"consumer.ack_wait", &c.Consumer.AckWait, 30 * time.Second},
		{"retention.events", &c.Retention.Events, 72 * time.Hour},
		{"retention.transitions", &c.Retention.Transitions, 400 * 24 * time.Hour},
		{"agent_timeout", &c.AgentTimeout, 30 * time.Second},
		{"alerts.tick", &c.Alerts.Tick, time.Second},
		{"alerts.lease_ttl", &c.Alerts.LeaseTTL, 10 * time.Second},
		{"alerts.history", &c.Alerts.History, 90 * 24 * time.Hour},
	} {
		if err := positive(d.name, d.p, d.def); err != nil {
			return err
		}
	}
	if c.Admission.MaxSeqAdvance == 0 {
		c.Admission.MaxSeqAdvance = 1_000_000
	}
	if c.Admission.MaxSeqAdvance < 0 {
		return fieldErr("admission.max_seq_advance", "must be positive, got %d", c.Admission.MaxSeqAdvance)
	}
	if c.Alerts.Receivers != "" && c.Alerts.Rules == "" {
		return fieldErr("alerts.receivers", "needs alerts.rules: without rules nothing is ever notified")
	}
	if err := c.validateAccess(); err != nil {
		return err
	}
	if err := validatePrograms(c.Wards, c.Programs); err != nil {
		return err
	}
	if err := c.MQTT.validate(); err != nil {
		return err
	}
	return c.Uptime.validate()
}

func (c *Aggregator) validateAccess() error {
	if c.MetricsListen == "" {
		c.MetricsListen = "127.0.0.1:9180"
	}
	if c.MetricsListen != "off" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return fieldErr("metrics_listen", "%q is not host:port or off", c.MetricsListen)
		}
	}
	tok, err := secretFrom("metrics_token", Secret{}, c.MetricsTokenEnv)
	if err != nil {
		return err
	}
	c.MetricsToken = tok
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fieldErr("tls_cert", "tls_cert and tls_key go together")
	}
	h := &c.HTTP
	if h.PublicURL == "" {
		host, port, err := net.SplitHostPort(c.Listen)
		if err != nil {
			return fieldErr("listen", "%q is not host:port", c.Listen)
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			host = "localhost"
		}
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		h.PublicURL = scheme + "://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(h.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
		return fieldErr("http.public_url", "%q is not an http(s)://host[:port] URL", h.PublicURL)
	}
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return fieldErr(idx("http.trusted_proxies", i), "%q is not an address or CIDR", p)
			}
		}
	}
	for _, d := range []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"http.read_header_timeout", &h.ReadHeaderTimeout, 5 * time.Second},
		{"http.read_timeout", &h.ReadTimeout, 15 * time.Second},
		{"http.write_timeout", &h.WriteTimeout, 60 * time.Second},
		{"http.idle_timeout", &h.IdleTimeout, 60 * time.Second},
		{"auth.session_idle", &c.Auth.SessionIdle, 30 * time.Minute},
		{"auth.session_absolute", &c.Auth.SessionAbsolute, 12 * time.Hour},
		{"auth.failure_window", &c.Auth.FailureWindow, 15 * time.Minute},
		{"audit.index_retention", &c.Audit.IndexRetention, 90 * 24 * time.Hour},
		{"evidence.clips_ttl", &c.Evidence.ClipsTTL, 72 * time.Hour},
		{"evidence.hold_sync", &c.Evidence.HoldSync, 5 * time.Minute},
	} {
		if err := positive(d.name, d.p, d.def); err != nil {
			return err
		}
	}
	if c.Evidence.ClipsMaxBytes == 0 {
		c.Evidence.ClipsMaxBytes = 1 << 30
	}
	if c.Evidence.ClipsMaxBytes < 1<<20 {
		return fieldErr("evidence.clips_max_bytes", "must be at least 1 MiB, got %d", c.Evidence.ClipsMaxBytes)
	}
	if c.Audit.MaxAge < 0 {
		return fieldErr("audit.max_age", "must be 0 (for ever) or positive")
	}
	for _, n := range []struct {
		name string
		p    *int
		def  int
	}{
		{"http.sse_per_user", &h.SSEPerUser, 4}, {"http.sse_total", &h.SSETotal, 256},
		{"http.max_silences_per_scope", &h.MaxSilencesPerScope, 50},
		{"http.max_maintenance_per_scope", &h.MaxMaintenancePerScope, 100},
		{"auth.failures_per_user", &c.Auth.FailuresPerUser, 10},
		{"auth.failures_per_address", &c.Auth.FailuresPerAddress, 30},
	} {
		if *n.p == 0 {
			*n.p = n.def
		}
		if *n.p < 0 {
			return fieldErr(n.name, "must be positive, got %d", *n.p)
		}
	}
	if h.ViewerHidesLocations == nil {
		t := true
		h.ViewerHidesLocations = &t
	}
	if c.Auth.SessionIdle > c.Auth.SessionAbsolute {
		return fieldErr("auth.session_idle", "is longer than auth.session_absolute")
	}
	if c.Auth.Bucket == "" {
		c.Auth.Bucket = "CAMWATCH_USERS"
	}
	if c.Auth.BootstrapAdminEnv == "" {
		c.Auth.BootstrapAdminEnv = "CAMWATCH_ADMIN_PASSWORD"
	}
	if c.Auth.BootstrapAdmin == "" {
		c.Auth.BootstrapAdmin = "admin"
	}
	if c.Audit.Stream == "" {
		c.Audit.Stream = "CAMWATCH_AUDIT"
	}
	return nil
}

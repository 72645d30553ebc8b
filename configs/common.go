package configs

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// NATS says how to reach the NATS server.
type NATS struct {
	// URL of the server, e.g. nats://127.0.0.1:4222, or of every member
	// of a NATS cluster, comma-separated (the client fails over between
	// them). Credentials do not belong here: use CredsFile or TokenEnv.
	URL string `yaml:"url"`
	// CredsFile is this process's credentials: a file made by `camwatch
	// nats creds` (an nkey seed) or a NATS .creds file (user JWT and seed,
	// for servers in operator mode).
	CredsFile string `yaml:"creds_file"`
	// User and PasswordEnv authenticate by name and password; the
	// password comes from the named environment variable.
	User        string `yaml:"user"`
	PasswordEnv string `yaml:"password_env"`
	// Password is resolved from PasswordEnv by Validate.
	Password Secret `yaml:"-"`
	// TokenEnv names an environment variable holding a NATS token.
	TokenEnv string `yaml:"token_env"`
	// Token is resolved from TokenEnv by Validate.
	Token Secret `yaml:"-"`
	// TLSCA is a PEM file of the CAs that sign the server's certificate
	// (instead of the system's); TLSCert and TLSKey are this process's
	// client certificate and key, for servers that verify clients.
	TLSCA   string `yaml:"tls_ca"`
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
}

func (n *NATS) validate(field string) error {
	if n.URL == "" {
		n.URL = "nats://127.0.0.1:4222"
	}
	for _, one := range strings.Split(n.URL, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			return fieldErr(field+".url", "%q is not a nats:// or tls:// URL", redactURL(one))
		}
		if u.User != nil {
			return fieldErr(field+".url", "must not carry credentials; use creds_file or token_env")
		}
	}
	tok, err := secretFrom(field+".token", Secret{}, n.TokenEnv)
	if err != nil {
		return err
	}
	n.Token = tok
	pw, err := secretFrom(field+".password", Secret{}, n.PasswordEnv)
	if err != nil {
		return err
	}
	n.Password = pw
	methods := 0
	for _, set := range []bool{n.CredsFile != "", n.User != "" || n.PasswordEnv != "", n.TokenEnv != ""} {
		if set {
			methods++
		}
	}
	switch {
	case methods > 1:
		return fieldErr(field, "use one of creds_file, user with password_env, or token_env")
	case (n.User == "") != (n.PasswordEnv == ""):
		return fieldErr(field+".user", "user and password_env go together")
	case (n.TLSCert == "") != (n.TLSKey == ""):
		return fieldErr(field+".tls_cert", "tls_cert and tls_key go together")
	}
	// The files are read when connecting (they may be made after the
	// config is written, as compose's init services do); an unreadable one
	// stops the start with an error naming the field.
	return nil
}

// Duration is a time.Duration that YAML writes as "1m30s".
type Duration = time.Duration

func positive(field string, d *time.Duration, def time.Duration) error {
	if *d == 0 {
		*d = def
	}
	if *d < 0 {
		return fieldErr(field, "must be positive, got %s", *d)
	}
	return nil
}

// redactURL removes the password from a URL for use in messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "[redacted]" + raw[i:]
		}
		return raw
	}
	return u.Redacted()
}

func checkToken(field, v string) error {
	if v == "" {
		return fieldErr(field, "is required")
	}
	if !tokenOK(v) {
		return fieldErr(field, "%q must be 1 to 64 letters, digits, '-' or '_'", v)
	}
	return nil
}

func tokenOK(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func idx(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// checkCameraIDs requires at least one camera, each with a valid id used
// once.
func checkCameraIDs(ids []string) error {
	if len(ids) == 0 {
		return fieldErr("cameras", "at least one camera is required")
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := idx("cameras", i) + ".id"
		if err := checkToken(f, id); err != nil {
			return err
		}
		if seen[id] {
			return fieldErr(f, "%q is used twice", id)
		}
		seen[id] = true
	}
	return nil
}

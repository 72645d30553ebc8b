package configs

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// NATS says how to reach the NATS server.
type NATS struct {
	// URL of the server, e.g. nats://127.0.0.1:4222. Credentials do not
	// belong here: use CredsFile or TokenEnv.
	URL string `yaml:"url"`
	// CredsFile is a NATS .creds file (JWT and nkey seed).
	CredsFile string `yaml:"creds_file"`
	// TokenEnv names an environment variable holding a NATS token.
	TokenEnv string `yaml:"token_env"`
	// Token is resolved from TokenEnv by Validate.
	Token Secret `yaml:"-"`
}

func (n *NATS) validate(field string) error {
	if n.URL == "" {
		n.URL = "nats://127.0.0.1:4222"
	}
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
		return fieldErr(field+".url", "%q is not a nats:// or tls:// URL", redactURL(n.URL))
	}
	if u.User != nil {
		return fieldErr(field+".url", "must not carry credentials; use creds_file or token_env")
	}
	tok, err := secretFrom(field+".token", Secret{}, n.TokenEnv)
	if err != nil {
		return err
	}
	n.Token = tok
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

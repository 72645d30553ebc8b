package configs

import (
	"log/slog"
	"os"
)

// Secret holds a password or token. It prints, logs and marshals as
// "[redacted]" so that it cannot leak through fmt, slog or JSON by accident;
// only Reveal gives the value, at the point of use.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return s.v }

// Empty reports whether no value is set.
func (s Secret) Empty() bool { return s.v == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted(s.v) }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return redacted(s.v) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted(s.v)) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted(s.v) + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted(s.v)), nil }

// UnmarshalYAML reads a literal secret from YAML. Prefer the *_env fields.
func (s *Secret) UnmarshalYAML(unmarshal func(any) error) error {
	return unmarshal(&s.v)
}

func redacted(v string) string {
	if v == "" {
		return ""
	}
	return "[redacted]"
}

// secretFrom resolves a secret given literally or through an environment
// variable; the variable wins when both are set. A named variable that is
// unset or empty is an error, so a typo does not silently disable auth.
func secretFrom(field string, literal Secret, envName string) (Secret, error) {
	if envName == "" {
		return literal, nil
	}
	v, ok := os.LookupEnv(envName)
	if !ok || v == "" {
		return Secret{}, fieldErr(field+"_env", "environment variable %s is not set", envName)
	}
	return NewSecret(v), nil
}

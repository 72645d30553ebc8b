package configs

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Examples are the shipped example configs (edge.yaml, aggregator.yaml,
// simcam.yaml, ...).
//
//go:embed *.yaml
var Examples embed.FS

// ErrInvalid is wrapped by every error that names a bad field, so that
// callers can tell a config mistake from a missing file.
var ErrInvalid = errors.New("invalid config")

// Validator is implemented by every config file type.
type Validator interface {
	// Validate checks values after decoding and fills defaults.
	Validate() error
}

// Load reads the YAML file at path into v strictly and validates it.
func Load(path string, v Validator) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if err := Parse(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Parse decodes YAML strictly: unknown keys, a second document or an empty
// file are errors. Then it calls v.Validate.
func Parse(data []byte, v Validator) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: the file is empty", ErrInvalid)
		}
		return fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: only one YAML document is allowed", ErrInvalid)
	}
	return v.Validate()
}

// fieldErr names the offending field in the message, e.g.
// `cameras[2].url: must start with rtsp://`.
func fieldErr(field, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, a...))
}

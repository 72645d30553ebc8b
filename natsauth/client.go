package natsauth

import (
	"bytes"
	"fmt"
	"os"

	"github.com/camwatch/camwatch/configs"
	"github.com/nats-io/nats.go"
)

// ClientOptions are the nats.go options that authenticate a process with
// its NATS settings: a credentials file (an nkey seed from Generate, or a
// .creds file with a user JWT), a user and password, or a token, and TLS
// with a custom CA and a client certificate. inboxPrefix, when set, is
// the connection's reply-subject prefix (an agent's, see
// event.AgentInboxPrefix), which its permissions allow it to receive on.
// Nothing secret is kept in the returned options beyond what nats.go
// needs to sign the server's challenge.
func ClientOptions(c configs.NATS, inboxPrefix string) ([]nats.Option, error) {
	var opts []nats.Option
	if c.CredsFile != "" {
		data, err := os.ReadFile(c.CredsFile)
		if err != nil {
			return nil, fmt.Errorf("nats creds_file: %w", err)
		}
		if bytes.Contains(data, []byte("BEGIN NATS USER JWT")) {
			opts = append(opts, nats.UserCredentials(c.CredsFile))
		} else {
			o, err := nats.NkeyOptionFromSeed(c.CredsFile)
			if err != nil {
				return nil, fmt.Errorf("nats creds_file %s: %w", c.CredsFile, err)
			}
			opts = append(opts, o)
		}
	}
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password.Reveal()))
	}
	if !c.Token.Empty() {
		opts = append(opts, nats.Token(c.Token.Reveal()))
	}
	for _, f := range []struct{ name, path string }{{"tls_ca", c.TLSCA}, {"tls_cert", c.TLSCert}, {"tls_key", c.TLSKey}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return nil, fmt.Errorf("nats %s: %w", f.name, err)
		}
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	if inboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(inboxPrefix))
	}
	return opts, nil
}

package broker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady is returned when the embedded server did not start in time.
var ErrNotReady = errors.New("embedded nats server not ready")

// Embedded is a running in-process NATS server.
type Embedded struct {
	srv *server.Server
	cfg Config
}

// Config is how an embedded server starts.
type Config struct {
	// Dir stores JetStream's files.
	Dir string
	// Host and Port choose the listener; port -1 picks a free one.
	Host string
	Port int
	// AuthFile is an authorization block made by natsauth.Generate (the
	// same file a standalone nats-server includes); empty runs without
	// authorization, which only the broker's own tests do.
	AuthFile string
	// URLUser and URLPassword, when set, are put into URL() so that a
	// test's clients connect as that user without further options.
	URLUser, URLPassword string
}

// Start runs a NATS server with JetStream storing in dir, without
// authorization. Host and port choose the listener; port -1 picks a free
// one.
func Start(dir, host string, port int) (*Embedded, error) {
	return StartConfig(Config{Dir: dir, Host: host, Port: port})
}

// StartConfig runs a NATS server with JetStream as c says.
func StartConfig(c Config) (*Embedded, error) {
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	opts, err := c.options()
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("new nats server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, ErrNotReady
	}
	return &Embedded{srv: srv, cfg: c}, nil
}

func (c Config) options() (*server.Options, error) {
	opts := &server.Options{}
	if c.AuthFile != "" {
		var err error
		if opts, err = server.ProcessConfigFile(c.AuthFile); err != nil {
			return nil, fmt.Errorf("nats authorization %s: %w", c.AuthFile, err)
		}
	}
	opts.ServerName = "camwatch-embedded"
	opts.Host, opts.Port = c.Host, c.Port
	opts.JetStream, opts.StoreDir = true, c.Dir
	opts.NoLog, opts.NoSigs = true, true
	// Keep JetStream modest on a small machine.
	opts.JetStreamMaxMemory, opts.JetStreamMaxStore = 256<<20, 8<<30
	return opts, nil
}

// URL is the client URL of the server, with Config.URLUser in it if set.
func (e *Embedded) URL() string {
	u := e.srv.ClientURL()
	if e.cfg.URLUser == "" {
		return u
	}
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.User = url.UserPassword(e.cfg.URLUser, e.cfg.URLPassword)
	return p.String()
}

// Reload rereads the authorization file, as a standalone server does on
// SIGHUP: rotated credentials take effect without a restart.
func (e *Embedded) Reload() error {
	opts, err := e.cfg.options()
	if err != nil {
		return err
	}
	opts.Port = e.srv.Addr().(*net.TCPAddr).Port
	if err := e.srv.ReloadOptions(opts); err != nil {
		return fmt.Errorf("nats reload: %w", err)
	}
	return nil
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

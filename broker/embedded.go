package broker

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady is returned when the embedded server did not start in time.
var ErrNotReady = errors.New("embedded nats server not ready")

// Embedded is a running in-process NATS server.
type Embedded struct {
	srv *server.Server
}

// Start runs a NATS server with JetStream storing in dir. Host and port
// choose the listener; port -1 picks a free one.
func Start(dir, host string, port int) (*Embedded, error) {
	if host == "" {
		host = "127.0.0.1"
	}
	opts := &server.Options{
		ServerName: "camwatch-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoLog:      true,
		NoSigs:     true,
		// Keep JetStream modest on a small machine.
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  8 << 30,
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
	return &Embedded{srv: srv}, nil
}

// URL is the client URL of the server.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

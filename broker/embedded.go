package broker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
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
	// Name is the server's name, unique within a cluster (JetStream's
	// replicas are placed by it); default "camwatch-embedded".
	Name string
	// ClusterName, ClusterPort and Routes join a NATS cluster: the server
	// listens for routes on Host:ClusterPort and dials Routes
	// (nats-route://host:port of the other members). JetStream then
	// replicates streams with Replicas > 1 across the members.
	ClusterName string
	ClusterPort int
	Routes      []string
	// MQTTPort turns on the MQTT listener on Host (-1 picks a free port;
	// 0 leaves it off); its users come from AuthFile (natsauth MQTT users).
	MQTTPort int
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
	if c.MQTTPort < 0 {
		// nats-server does not tell which port it bound for MQTT: take a
		// free one first.
		l, err := net.Listen("tcp", net.JoinHostPort(c.Host, "0"))
		if err != nil {
			return nil, fmt.Errorf("mqtt port: %w", err)
		}
		c.MQTTPort = l.Addr().(*net.TCPAddr).Port
		l.Close()
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
	opts.ServerName = c.Name
	if opts.ServerName == "" {
		opts.ServerName = "camwatch-embedded"
	}
	opts.Host, opts.Port = c.Host, c.Port
	if c.ClusterName != "" {
		opts.Cluster.Name = c.ClusterName
		opts.Cluster.Host, opts.Cluster.Port = c.Host, c.ClusterPort
		opts.Routes = server.RoutesFromStr(strings.Join(c.Routes, ","))
	}
	if c.MQTTPort != 0 {
		opts.MQTT.Host, opts.MQTT.Port = c.Host, c.MQTTPort
	}
	opts.JetStream, opts.StoreDir = true, c.Dir
	opts.NoLog, opts.NoSigs = true, true
	// Keep JetStream modest on a small machine.
	opts.JetStreamMaxMemory, opts.JetStreamMaxStore = 256<<20, 8<<30
	return opts, nil
}

// MQTTAddr is the MQTT listener's host:port, "" when it is off.
func (e *Embedded) MQTTAddr() string {
	if e.cfg.MQTTPort <= 0 {
		return ""
	}
	return net.JoinHostPort(e.cfg.Host, strconv.Itoa(e.cfg.MQTTPort))
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
	if c := e.cfg; c.ClusterName != "" && c.ClusterPort <= 0 {
		opts.Cluster.Port = e.srv.ClusterAddr().Port
	}
	if err := e.srv.ReloadOptions(opts); err != nil {
		return fmt.Errorf("nats reload: %w", err)
	}
	return nil
}

// JetStreamReady reports whether this server's JetStream is ready to
// serve: standalone at once, in a cluster once a meta leader is known.
func (e *Embedded) JetStreamReady() bool {
	if !e.srv.JetStreamEnabled() {
		return false
	}
	if !e.srv.JetStreamIsClustered() {
		return true
	}
	return e.srv.JetStreamIsCurrent()
}

// Name is the server's name.
func (e *Embedded) Name() string { return e.srv.Name() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

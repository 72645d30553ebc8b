package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/camwatch/camwatch/broker"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/nats-io/nats.go"
)

// TestUser is the password user every test server has, with the
// aggregator's rights; NATS and NATSServer put it into their URLs.
const TestUser = "camwatch-test"

// NATSEnv is an embedded NATS server with JetStream and camwatch's
// generated authorization: the aggregator's nkey user, one nkey user per
// agent with only its own subjects, and the test user.
type NATSEnv struct {
	Server *broker.Embedded
	// URL carries no credentials; Auth names the credentials files.
	URL  string
	Auth *natsauth.Result
}

// NATS starts an embedded NATS server with authorization on, in a temp
// dir, and returns its URL with the test user's credentials in it; it
// stops with the test.
func NATS(t testing.TB) string {
	t.Helper()
	srv := NATSServer(t, t.TempDir(), -1)
	t.Cleanup(srv.Shutdown)
	return srv.URL()
}

// NATSServer is NATS with its JetStream files and authorization in dir,
// on port (-1: any), returning the server so a test can stop it and start
// it again on the same dir and port, with the same credentials.
func NATSServer(t testing.TB, dir string, port int) *broker.Embedded {
	t.Helper()
	res, pw := generate(t, filepath.Join(dir, "auth"))
	srv, err := broker.StartConfig(broker.Config{
		Dir: filepath.Join(dir, "js"), Port: port, AuthFile: res.AuthFile, URLUser: TestUser, URLPassword: pw,
	})
	if err != nil {
		t.Fatalf("start embedded nats: %v", err)
	}
	return srv
}

// NATSURL is the URL, with the test user's credentials, that
// NATSServer(t, dir, port) will serve, for a client made before the
// server starts.
func NATSURL(t testing.TB, dir string, port int) string {
	t.Helper()
	_, pw := generate(t, filepath.Join(dir, "auth"))
	return (&url.URL{Scheme: "nats", User: url.UserPassword(TestUser, pw), Host: "127.0.0.1:" + strconv.Itoa(port)}).String()
}

// NATSAuth starts a server whose authorization also has credentials for
// agents; it stops with the test.
func NATSAuth(t testing.TB, agents ...natsauth.Agent) *NATSEnv {
	t.Helper()
	env := NATSAuthAt(t, t.TempDir(), -1, agents...)
	t.Cleanup(env.Server.Shutdown)
	return env
}

// NATSAuthAt is NATSAuth with its files in dir, on port, left running
// when the test ends: a test stops it (Server.Shutdown) and starts it
// again on the same dir and port, with the same credentials.
func NATSAuthAt(t testing.TB, dir string, port int, agents ...natsauth.Agent) *NATSEnv {
	t.Helper()
	res, _ := generate(t, filepath.Join(dir, "auth"), agents...)
	srv, err := broker.StartConfig(broker.Config{Dir: filepath.Join(dir, "js"), Port: port, AuthFile: res.AuthFile})
	if err != nil {
		t.Fatalf("start embedded nats: %v", err)
	}
	return &NATSEnv{Server: srv, URL: srv.URL(), Auth: res}
}

// Aggregator is the aggregator's NATS settings.
func (n *NATSEnv) Aggregator() configs.NATS {
	return configs.NATS{URL: n.URL, CredsFile: n.Auth.AggregatorCreds}
}

// Agent is the NATS settings of agent site/agent.
func (n *NATSEnv) Agent(t testing.TB, site, agent string) configs.NATS {
	t.Helper()
	f, ok := n.Auth.AgentCreds[site+"/"+agent]
	if !ok {
		t.Fatalf("no credentials for agent %s/%s", site, agent)
	}
	return configs.NATS{URL: n.URL, CredsFile: f}
}

// Connect connects with c's credentials and fails the test otherwise;
// the connection closes with the test. An agent's connection uses the
// agent's inbox prefix, as the edge does.
func (n *NATSEnv) Connect(t testing.TB, c configs.NATS, inboxPrefix string, extra ...nats.Option) *nats.Conn {
	t.Helper()
	opts, err := natsauth.ClientOptions(c, inboxPrefix)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(n.URL, append(opts, extra...)...)
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// generate writes (or, on a restart, rereads) the authorization in dir.
func generate(t testing.TB, dir string, agents ...natsauth.Agent) (*natsauth.Result, string) {
	t.Helper()
	pwFile := filepath.Join(dir, "test-password")
	pw, err := os.ReadFile(pwFile)
	if errors.Is(err, os.ErrNotExist) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		pw = []byte(hex.EncodeToString(b[:]))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pwFile, pw, 0o600); err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	res, err := natsauth.Generate(natsauth.Plan{
		Dir: dir, Agents: agents,
		Passwords: []natsauth.PasswordUser{{Name: TestUser, Password: string(pw)}},
	})
	if err != nil {
		t.Fatalf("nats authorization: %v", err)
	}
	return res, string(pw)
}

package aggregator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/testenv"
	"github.com/prometheus/client_golang/prometheus"
)

// tokens maps an aggregator's host:port to an admin token made for the
// test; the transport below sends it, so the package's tests read the
// API as an admin would.
var tokens sync.Map

type tokenTransport struct{ base http.RoundTripper }

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if tok, ok := tokens.Load(r.URL.Host); ok && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok.(string))
	}
	return t.base.RoundTrip(r)
}

func TestMain(m *testing.M) {
	http.DefaultTransport = tokenTransport{base: http.DefaultTransport}
	os.Exit(m.Run())
}

// authorize makes an admin token on a's deployment for the test's
// requests to it.
func authorize(t testing.TB, a *Aggregator) string {
	t.Helper()
	tok, _, err := a.Directory().CreateToken(context.Background(), "test-admin", auth.Admin, auth.Scope{All: true}, time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	tokens.Store(a.Addr(), tok)
	return tok
}

// TestHTTPTimeouts: a slowloris body and an idle keep-alive connection
// are closed by the server's timeouts, and the other clients are served
// meanwhile.
func TestHTTPTimeouts(t *testing.T) {
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	cfg.Redis.Prefix = prefix
	cfg.HTTP.ReadTimeout, cfg.HTTP.IdleTimeout, cfg.HTTP.ReadHeaderTimeout = time.Second, time.Second, time.Second
	o := OptionsFromConfig(&cfg, nil, prometheus.NewRegistry())
	o.NATSURL, o.Redis = testenv.NATS(t), rdb
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	closedWithin := func(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		_ = c.SetReadDeadline(start.Add(limit))
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("connection still open after %s", limit)
				}
				return time.Since(start)
			}
		}
	}
	for _, tc := range []struct {
		name string
		send func(c net.Conn)
	}{
		{"slowloris body", func(c net.Conn) {
			fmt.Fprintf(c, "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
			go func() {
				for range 20 {
					time.Sleep(300 * time.Millisecond)
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
		}},
		{"slowloris headers", func(c net.Conn) {
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		}},
		{"idle keep-alive", func(c net.Conn) {
			fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", a.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tc.send(c)
			took := closedWithin(t, c, 6*time.Second)
			if code, _, err := getBody("http://" + a.Addr() + "/healthz"); err != nil || code != 200 {
				t.Errorf("another client meanwhile: %d %v", code, err)
			}
			t.Logf("closed after %s", took.Round(10*time.Millisecond))
		})
	}
}

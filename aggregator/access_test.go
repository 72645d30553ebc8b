package aggregator

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
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

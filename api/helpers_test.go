package api

import (
	"context"
	"net/http"
	"sync"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
)

// fakeAuth knows fixed bearer tokens ("Bearer <name>") for tests of the
// handlers; the real auth.Service is tested in auth and by the
// permission matrix.
type fakeAuth struct {
	noAuth
	actors map[string]*auth.Actor
}

func (f fakeAuth) TokenActor(tok string) (*auth.Actor, error) {
	if a, ok := f.actors[tok]; ok {
		return a, nil
	}
	return nil, auth.ErrUnauthenticated
}

var testAdmin = &auth.Actor{Kind: auth.KindUser, Name: "admin", Role: auth.Admin, Scope: auth.Scope{All: true}}

// memAudit keeps records in memory; fail makes appends fail.
type memAudit struct {
	mu   sync.Mutex
	recs []audit.Record
	fail bool
}

func (m *memAudit) Append(_ context.Context, rec audit.Record) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return 0, audit.ErrUnavailable
	}
	rec.Seq = uint64(len(m.recs) + 1)
	m.recs = append(m.recs, rec)
	return rec.Seq, nil
}

func (m *memAudit) Query(_ context.Context, q audit.Query) ([]audit.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]audit.Record(nil), m.recs...), nil
}

func (m *memAudit) actions() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.recs {
		out = append(out, r.Action+":"+string(r.Result))
	}
	return out
}

// newAPI is New with a fake authenticator and an in-memory audit log,
// every request made as an admin with a JSON body type, for the handler
// tests that are about what the routes do, not who may call them.
func newAPI(o Options) http.Handler {
	if o.Auth == nil {
		o.Auth = fakeAuth{actors: map[string]*auth.Actor{"admin": testAdmin}}
	}
	if o.Audit == nil {
		o.Audit = &memAudit{}
	}
	h := New(o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer admin")
		}
		if unsafeMethod(r.Method) && r.Header.Get("Content-Type") == "" && !(r.Method == http.MethodDelete && r.ContentLength <= 0) {
			r.Header.Set("Content-Type", "application/json")
		}
		h.ServeHTTP(w, r)
	})
}

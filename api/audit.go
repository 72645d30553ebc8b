package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
)

// Auditor is the audit log; *audit.Log implements it.
type Auditor interface {
	Append(ctx context.Context, rec audit.Record) (uint64, error)
	Query(ctx context.Context, q audit.Query) ([]audit.Record, error)
}

func auditActor(a *auth.Actor) audit.Actor {
	if a == nil {
		return audit.Actor{Kind: "anonymous"}
	}
	return audit.Actor{Kind: string(a.Kind), Name: a.Name, Role: string(a.Role)}
}

// pending is a state change whose "allowed" record is stored; done
// records how it ended.
type pending struct {
	s   *server
	r   *http.Request
	rec audit.Record
}

// begin is the audit step of every state change, before the change: it
// appends an "allowed" record of the request's actor doing action on
// objects. When that record cannot be stored it answers 503 and returns
// false, and the handler must not make the change (fail closed).
func (s *server) begin(w http.ResponseWriter, r *http.Request, action string, objects ...string) (*pending, bool) {
	rec := audit.Record{Actor: auditActor(ActorFrom(r.Context())), Action: action, Objects: objects,
		Addr: clientAddr(r, s.o.Access.TrustedProxies), Result: audit.Allowed}
	seq, err := s.append(r.Context(), rec)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "refused: the audit log cannot be written, so nothing was changed ("+err.Error()+")")
		return nil, false
	}
	rec.Ref = seq
	return &pending{s: s, r: r, rec: rec}, true
}

// done records the outcome of the change begun (err nil is ok). The
// change has happened or failed by now: a lost outcome record is logged,
// the allowed record already names the actor.
func (p *pending) done(err error) {
	p.rec.Result, p.rec.Detail = audit.OK, ""
	if err != nil {
		p.rec.Result, p.rec.Detail = audit.Failed, err.Error()
	}
	p.rec.Time = time.Time{}
	if _, aerr := p.s.append(context.WithoutCancel(p.r.Context()), p.rec); aerr != nil {
		p.s.log.Error("audit outcome not recorded", "action", p.rec.Action, "ref", p.rec.Ref, "err", aerr)
	}
}

// read records a read of sensitive data before it is served; false
// means it was answered 503 and must not be served.
func (s *server) read(w http.ResponseWriter, r *http.Request, action string, objects ...string) bool {
	_, err := s.append(r.Context(), audit.Record{Actor: auditActor(ActorFrom(r.Context())), Action: action,
		Objects: objects, Addr: clientAddr(r, s.o.Access.TrustedProxies), Result: audit.OK})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "refused: the audit log cannot be written, so this is not shown ("+err.Error()+")")
		return false
	}
	return true
}

// denied records a refused change, best effort (nothing changed).
func (s *server) denied(r *http.Request, a *auth.Actor, what string) {
	if !unsafeMethod(r.Method) {
		return
	}
	_, _ = s.append(r.Context(), audit.Record{Actor: auditActor(a), Action: "denied", Objects: []string{what},
		Addr: clientAddr(r, s.o.Access.TrustedProxies), Result: audit.Denied})
}

func (s *server) append(ctx context.Context, rec audit.Record) (uint64, error) {
	if s.o.noChecks {
		return 0, nil // the benchmark's "checks off" side
	}
	if s.o.Audit == nil {
		return 0, fmt.Errorf("%w: no audit log configured", audit.ErrUnavailable)
	}
	return s.o.Audit.Append(ctx, rec)
}

type auditList struct {
	Records []audit.Record `json:"records"`
}

// listAudit serves GET /api/v1/audit?actor=&action=&object=&result=&from=&to=&limit=:
// an admin reads everyone's records, anyone else their own.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) {
	q, err := parseAuditQuery(r.URL.Query().Get)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	a := ActorFrom(r.Context())
	if a.Role != auth.Admin {
		self := string(a.Kind) + ":" + a.Name
		if q.Actor != "" && q.Actor != self && !(a.Kind == auth.KindUser && q.Actor == a.Name) {
			writeError(w, http.StatusForbidden, "actor: a "+string(a.Role)+" reads only their own records")
			return
		}
		q.Actor = self
	}
	if s.o.Audit == nil {
		writeError(w, http.StatusServiceUnavailable, "the audit log is not configured")
		return
	}
	recs, err := s.o.Audit.Query(r.Context(), q)
	if errors.Is(err, audit.ErrUnavailable) {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, auditList{Records: recs})
}

// parseAuditQuery reads the audit filters; errors name the parameter.
func parseAuditQuery(get func(string) string) (audit.Query, error) {
	q := audit.Query{Actor: get("actor"), Action: get("action"), Object: get("object"), Result: audit.Result(get("result")), Limit: 100}
	for _, p := range []struct {
		name string
		v    string
	}{{"actor", q.Actor}, {"action", q.Action}, {"object", q.Object}} {
		if len(p.v) > 200 || strings.ContainsFunc(p.v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return q, fmt.Errorf("%s: at most 200 printable characters", p.name)
		}
	}
	switch q.Result {
	case "", audit.Allowed, audit.OK, audit.Failed, audit.Denied:
	default:
		return q, fmt.Errorf("result: %q is not allowed, ok, failed or denied", q.Result)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return q, fmt.Errorf("%s: %q is not an RFC3339 time", p.name, v)
			}
			*p.dst = t
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.From.After(q.To) {
		return q, errors.New("from: is after to")
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxLimit {
			return q, fmt.Errorf("limit: must be an integer from 1 to %d", audit.MaxLimit)
		}
		q.Limit = n
	}
	return q, nil
}

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// noAuth refuses every credential (no Authenticator configured).
type noAuth struct{}

func (noAuth) SessionActor(context.Context, string) (*auth.Actor, error) {
	return nil, auth.ErrUnauthenticated
}
func (noAuth) TokenActor(string) (*auth.Actor, error) { return nil, auth.ErrUnauthenticated }
func (noAuth) Authenticate(context.Context, string, string, string) (*auth.User, error) {
	return nil, auth.ErrUnavailable
}
func (noAuth) StartSession(context.Context, *auth.User, string) (string, *auth.Actor, error) {
	return "", nil, auth.ErrUnavailable
}
func (noAuth) Logout(context.Context, *auth.Actor) error { return nil }
func (noAuth) ChangePassword(context.Context, *auth.Actor, string, string, string) (string, *auth.Actor, error) {
	return "", nil, auth.ErrUnavailable
}
func (noAuth) Refused(string) {}

package api

import (
	"context"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/camwatch/camwatch/auth"
)

// Authenticator checks credentials and runs logins; *auth.Service
// implements it.
type Authenticator interface {
	SessionActor(ctx context.Context, cookie string) (*auth.Actor, error)
	TokenActor(token string) (*auth.Actor, error)
	Authenticate(ctx context.Context, name, password, addr string) (*auth.User, error)
	StartSession(ctx context.Context, u *auth.User, addr string) (string, *auth.Actor, error)
	Logout(ctx context.Context, a *auth.Actor) error
	ChangePassword(ctx context.Context, a *auth.Actor, old, pw, addr string) (string, *auth.Actor, error)
	Refused(reason string)
}

// Access is the HTTP side of the access policy: where browsers come from,
// which Host names are ours, who may forward client addresses, and the
// limits that keep one caller from exhausting the aggregator.
type Access struct {
	// PublicURL is the URL people open (https://camwatch.example.org);
	// a browser's Origin on a state change must equal its origin.
	PublicURL *url.URL
	// Hosts are the Host header names (without port) the API answers to;
	// any other is refused (DNS rebinding). Empty allows PublicURL's host
	// and the loopback names.
	Hosts []string
	// TrustedProxies may set X-Forwarded-For (a TLS reverse proxy).
	TrustedProxies []netip.Prefix
	// SecureCookies marks the session cookie Secure (served over TLS,
	// directly or by the proxy); on when PublicURL is https.
	SecureCookies bool
	// MetricsToken, when set, opens /metrics on the API listener to
	// "Authorization: Bearer <MetricsToken>"; empty means /metrics is
	// not served here (see metrics_listen).
	MetricsToken string
	// SSEPerUser and SSETotal bound open live feeds (defaults 4 and 256).
	SSEPerUser, SSETotal int
	// MaxSilencesPerScope and MaxMaintenancePerScope bound the silences
	// and maintenance windows in force per target (program, ward, camera
	// or everything); defaults 50 and 100.
	MaxSilencesPerScope, MaxMaintenancePerScope int
	// HideLocations drops the location label from the cameras a viewer
	// sees (the ward office reviews programs, not addresses).
	HideLocations bool
}

func (a *Access) defaults() {
	if a.PublicURL == nil {
		a.PublicURL = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	}
	if len(a.Hosts) == 0 {
		a.Hosts = []string{a.PublicURL.Hostname(), "localhost", "127.0.0.1", "::1"}
	}
	if a.PublicURL.Scheme == "https" {
		a.SecureCookies = true
	}
	if a.SSEPerUser <= 0 {
		a.SSEPerUser = 4
	}
	if a.SSETotal <= 0 {
		a.SSETotal = 256
	}
	if a.MaxSilencesPerScope <= 0 {
		a.MaxSilencesPerScope = 50
	}
	if a.MaxMaintenancePerScope <= 0 {
		a.MaxMaintenancePerScope = 100
	}
}

// CookieName is the session cookie; over TLS it carries the __Host-
// prefix, which browsers only accept Secure, host-only and on path /.
func (a *Access) cookieName() string {
	if a.SecureCookies {
		return "__Host-camwatch_session"
	}
	return "camwatch_session"
}

// benchAdmin is the actor of every request with noChecks.
var benchAdmin = &auth.Actor{Kind: auth.KindUser, Name: "bench", Role: auth.Admin, Scope: auth.Scope{All: true}}

type ctxKey int

const (
	actorKey ctxKey = iota
	permKey
)

// ActorFrom returns the authenticated actor of a request that passed the
// route table's checks (nil on open routes). Handlers use it for the
// `by` of what they change and for audit records.
func ActorFrom(ctx context.Context) *auth.Actor {
	a, _ := ctx.Value(actorKey).(*auth.Actor)
	return a
}

func permFrom(ctx context.Context) auth.Permission {
	p, _ := ctx.Value(permKey).(auth.Permission)
	return p
}

// unsafe methods change state.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// guard wraps a route's handler with the checks every request passes, in
// this order: Host, body type, credentials, browser origin, permission.
// Handlers then ask allow() about the objects they touch.
func (s *server) guard(rt route) http.HandlerFunc {
	health := rt.pattern == "GET /healthz" || rt.pattern == "GET /readyz"
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.noChecks {
			rt.handler(w, r.WithContext(context.WithValue(context.WithValue(r.Context(), actorKey, benchAdmin), permKey, rt.perm)))
			return
		}
		if !health && !s.hostAllowed(r.Host) {
			s.o.Auth.Refused("host")
			writeError(w, http.StatusMisdirectedRequest, "host: "+r.Host+" is not a name of this aggregator (http.hosts in its config)")
			return
		}
		if unsafeMethod(r.Method) {
			if msg := jsonOnly(r); msg != "" {
				writeError(w, http.StatusUnsupportedMediaType, msg)
				return
			}
			if o := r.Header.Get("Origin"); o != "" && !s.sameOrigin(o, r) {
				s.o.Auth.Refused("origin")
				writeError(w, http.StatusForbidden, "origin: "+o+" is not this aggregator's public URL")
				return
			}
		}
		switch rt.perm {
		case auth.Open:
			rt.handler(w, r)
			return
		case auth.MetricsRead:
			if s.o.Access.MetricsToken == "" || !bearerIs(r, s.o.Access.MetricsToken) {
				notFound(w, r) // not served here, or not to this caller
				return
			}
			rt.handler(w, r)
			return
		}
		a, byCookie, err := s.authenticate(r)
		switch {
		case errors.Is(err, auth.ErrUnavailable):
			writeError(w, http.StatusServiceUnavailable, "sign-in is unavailable: the session store cannot be reached")
			return
		case err != nil:
			w.Header().Set("WWW-Authenticate", `Bearer realm="camwatch"`)
			writeError(w, http.StatusUnauthorized, "not signed in: sign in to the console or send Authorization: Bearer <token>")
			return
		}
		if byCookie && unsafeMethod(r.Method) && !s.browserSameOrigin(r) {
			s.o.Auth.Refused("origin")
			writeError(w, http.StatusForbidden, "origin: a change made with a session cookie needs the Origin of "+s.origin()+" (or Sec-Fetch-Site: same-origin)")
			return
		}
		if auth.Decide(a, rt.perm, nil) != auth.Allow {
			s.refuse(w, r, a, rt)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), actorKey, a), permKey, rt.perm)
		rt.handler(w, r.WithContext(ctx))
	}
}

// refuse answers a request whose role lacks the route's permission.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, a *auth.Actor, rt route) {
	s.denied(r, a, rt.pattern)
	writeError(w, http.StatusForbidden, "forbidden: role "+string(a.Role)+" lacks the permission "+string(rt.perm)+" this route needs")
}

// allow asks the policy whether the request's actor may touch obj under
// the route's permission; when not, it answers (404 outside the scope,
// as for a missing object, so names do not leak) and returns false.
func (s *server) allow(w http.ResponseWriter, r *http.Request, obj auth.Object, missing string) bool {
	a := ActorFrom(r.Context())
	switch auth.Decide(a, permFrom(r.Context()), &obj) {
	case auth.Allow:
		return true
	case auth.Hidden:
		if unsafeMethod(r.Method) {
			s.denied(r, a, r.Method+" "+r.URL.Path)
		}
		writeError(w, http.StatusNotFound, missing)
	default:
		writeError(w, http.StatusForbidden, "forbidden")
	}
	return false
}

// sees is the list filter: may the request's actor see obj?
func (s *server) sees(r *http.Request, obj auth.Object) bool {
	return auth.Decide(ActorFrom(r.Context()), permFrom(r.Context()), &obj) == auth.Allow
}

// authenticate finds the actor: a bearer token, else the session cookie.
func (s *server) authenticate(r *http.Request) (*auth.Actor, bool, error) {
	if s.o.Auth == nil {
		return nil, false, auth.ErrUnauthenticated
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			s.o.Auth.Refused("malformed")
			return nil, false, auth.ErrUnauthenticated
		}
		a, err := s.o.Auth.TokenActor(strings.TrimSpace(tok))
		return a, false, err
	}
	c, err := r.Cookie(s.o.Access.cookieName())
	if err != nil || c.Value == "" {
		s.o.Auth.Refused("no_credentials")
		return nil, false, auth.ErrUnauthenticated
	}
	a, err := s.o.Auth.SessionActor(r.Context(), c.Value)
	return a, true, err
}

func bearerIs(r *http.Request, want string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && constantEq(strings.TrimSpace(tok), want)
}

// jsonOnly says why an unsafe request's body type is refused, or "".
// A cross-site HTML form can only send form or text/plain bodies, so
// demanding application/json closes that door; a DELETE without a body
// needs no type.
func jsonOnly(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.Method == http.MethodDelete && r.ContentLength <= 0 && len(r.TransferEncoding) == 0 {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return "content-type: a change needs Content-Type: application/json"
	}
	return ""
}

func (s *server) origin() string {
	u := s.o.Access.PublicURL
	return u.Scheme + "://" + u.Host
}

// sameOrigin accepts an Origin header equal to the public URL's origin
// (scheme, host and port; default ports equal none), or equal to the
// origin the request was sent to when that Host is one of ours (the same
// console opened as localhost and as 127.0.0.1). A cross-site page has
// its own origin; a rebound name fails the Host list.
func (s *server) sameOrigin(o string, r *http.Request) bool {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil {
		return false
	}
	p := s.o.Access.PublicURL
	if strings.EqualFold(u.Scheme, p.Scheme) && strings.EqualFold(hostPort(u), hostPort(p)) {
		return true
	}
	scheme := p.Scheme
	if r.TLS != nil {
		scheme = "https"
	}
	here := &url.URL{Scheme: scheme, Host: r.Host}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(hostPort(u), hostPort(here)) && s.hostAllowed(r.Host)
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// browserSameOrigin: a cookie-authenticated change must say where it
// comes from, by Origin (checked in guard) or Sec-Fetch-Site.
func (s *server) browserSameOrigin(r *http.Request) bool {
	if r.Header.Get("Origin") != "" {
		return true // equal to ours, or guard refused it already
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

func (s *server) hostAllowed(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.Trim(name, "[]"), ".")
	for _, ok := range s.o.Access.Hosts {
		if strings.EqualFold(name, ok) {
			return true
		}
	}
	return false
}

// clientAddr is the caller's address: the peer, or, when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not one.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !isTrusted(addr, trusted) {
		return addr.String()
	}
	return forwardedClient(r.Header.Values("X-Forwarded-For"), addr, trusted).String()
}

// forwardedClient walks X-Forwarded-For from the right (the hops the
// trusted proxies added), skipping trusted proxies; a malformed entry
// stops the walk at the last good hop.
func forwardedClient(xff []string, peer netip.Addr, trusted []netip.Prefix) netip.Addr {
	var hops []string
	for _, v := range xff {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// feeds counts open SSE feeds per actor and in total.
type feeds struct {
	mu    sync.Mutex
	per   map[string]int
	total int
}

func (f *feeds) acquire(id string, perUser, total int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.per == nil {
		f.per = map[string]int{}
	}
	if f.total >= total || f.per[id] >= perUser {
		return false
	}
	f.per[id]++
	f.total++
	return true
}

func (f *feeds) release(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.per[id]--
	f.total--
	if f.per[id] <= 0 {
		delete(f.per, id)
	}
}

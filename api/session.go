package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
)

// loginBody is POST /api/v1/session.
type loginBody struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// sessionInfo is what the console learns about the signed-in actor:
// enough to hide what the role cannot do, nothing secret.
type sessionInfo struct {
	Kind        auth.ActorKind    `json:"kind"`
	Name        string            `json:"name"`
	Role        auth.Role         `json:"role"`
	Scope       auth.Scope        `json:"scope"`
	Permissions []auth.Permission `json:"permissions"`
	Expires     time.Time         `json:"expires,omitzero"`
	// IdleTimeoutS is how long an unused session lasts.
	IdleTimeoutS int `json:"idle_timeout_s,omitempty"`
}

func infoOf(a *auth.Actor) sessionInfo {
	perms := []auth.Permission{}
	for _, p := range auth.Permissions {
		if a.Role.Has(p) {
			perms = append(perms, p)
		}
	}
	return sessionInfo{Kind: a.Kind, Name: a.Name, Role: a.Role, Scope: a.Scope, Permissions: perms, Expires: a.Expires}
}

// loginFailed is the one answer to a failed login, whatever failed.
const loginFailed = "wrong user name or password"

// login serves POST /api/v1/session: name and password in, a session
// cookie out. It is rate-limited per user and per address, and says the
// same for an unknown user, a wrong password and a disabled account.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if !decodeBody(w, r, &b) {
		return
	}
	addr := clientAddr(r, s.o.Access.TrustedProxies)
	if !auth.ValidName(b.User) || b.Password == "" || len(b.Password) > auth.MaxPassword {
		writeError(w, http.StatusUnauthorized, loginFailed)
		return
	}
	attempt := audit.Record{Actor: audit.Actor{Kind: "user", Name: b.User}, Action: "session.login", Addr: addr}
	u, err := s.o.Auth.Authenticate(r.Context(), b.User, b.Password, addr)
	if err != nil {
		var lf *auth.LoginFailure
		errors.As(err, &lf)
		switch {
		case errors.Is(err, auth.ErrRateLimited):
			if lf != nil {
				w.Header().Set("Retry-After", strconv.Itoa(int(lf.RetryAfter.Round(time.Second)/time.Second)))
			}
			writeError(w, http.StatusTooManyRequests, "too many failed logins; try again later")
		case errors.Is(err, auth.ErrUnauthenticated):
			attempt.Result, attempt.Detail = audit.Denied, "bad credentials"
			if lf != nil && lf.FirstLimited {
				attempt.Detail = "bad credentials; failure limit reached, further attempts refused for the window"
			}
			_, _ = s.append(r.Context(), attempt) // best effort: nothing changed
			writeError(w, http.StatusUnauthorized, loginFailed)
		default:
			s.log.Error("login failed", "err", err)
			writeError(w, http.StatusServiceUnavailable, "sign-in is unavailable; try again shortly")
		}
		return
	}
	attempt.Actor.Role, attempt.Result = string(u.Role), audit.OK
	if _, err := s.append(r.Context(), attempt); err != nil {
		writeError(w, http.StatusServiceUnavailable, "refused: the audit log cannot be written, so no session was opened")
		return
	}
	cookie, a, err := s.o.Auth.StartSession(r.Context(), u, addr)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "sign-in is unavailable: the session store cannot be reached")
		return
	}
	s.setCookie(w, cookie, a.Expires)
	writeJSON(w, http.StatusOK, infoOf(a))
}

func (s *server) setCookie(w http.ResponseWriter, v string, expires time.Time) {
	c := &http.Cookie{Name: s.o.Access.cookieName(), Value: v, Path: "/", HttpOnly: true,
		Secure: s.o.Access.SecureCookies, SameSite: http.SameSiteStrictMode}
	if v == "" {
		c.MaxAge = -1
	} else if !expires.IsZero() {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

// whoami serves GET /api/v1/session.
func (s *server) whoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, infoOf(ActorFrom(r.Context())))
}

// logout serves DELETE /api/v1/session: the session ends on the server,
// so a copied cookie stops working too.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	a := ActorFrom(r.Context())
	p, ok := s.begin(w, r, "session.logout", "user:"+a.Name)
	if !ok {
		return
	}
	err := s.o.Auth.Logout(r.Context(), a)
	p.done(err)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.setCookie(w, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
}

// passwordBody is POST /api/v1/session/password.
type passwordBody struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// changePassword serves POST /api/v1/session/password: the signed-in
// user's own password; every other session of theirs ends.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	var b passwordBody
	if !decodeBody(w, r, &b) {
		return
	}
	a := ActorFrom(r.Context())
	if a.Kind != auth.KindUser {
		writeError(w, http.StatusBadRequest, "a token has no password")
		return
	}
	if err := auth.CheckPassword(b.New); err != nil {
		writeError(w, http.StatusBadRequest, "new: "+err.Error())
		return
	}
	p, ok := s.begin(w, r, "user.password", "user:"+a.Name)
	if !ok {
		return
	}
	cookie, na, err := s.o.Auth.ChangePassword(r.Context(), a, b.Old, b.New, clientAddr(r, s.o.Access.TrustedProxies))
	p.done(err)
	switch {
	case errors.Is(err, auth.ErrRateLimited):
		writeError(w, http.StatusTooManyRequests, "too many failed logins; try again later")
	case errors.Is(err, auth.ErrUnauthenticated):
		writeError(w, http.StatusForbidden, "old: not your current password")
	case errors.Is(err, auth.ErrInput):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		s.internal(w, r, err)
	default:
		s.setCookie(w, cookie, na.Expires)
		writeJSON(w, http.StatusOK, infoOf(na))
	}
}

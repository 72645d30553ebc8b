package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/camwatch/camwatch/auth"
)

// Users is the identity store as administrators change it: accounts and
// API tokens. *auth.Directory implements it. Sessions of a user who is
// disabled or gets a new password end by the directory's generation
// check, so nothing here touches sessions.
type Users interface {
	Users(ctx context.Context) ([]auth.User, error)
	User(ctx context.Context, name string) (*auth.User, error)
	AddUser(ctx context.Context, name string, role auth.Role, scope auth.Scope, password, by string) (*auth.User, error)
	SetRole(ctx context.Context, name string, role auth.Role, scope auth.Scope) (*auth.User, error)
	SetDisabled(ctx context.Context, name string, disabled bool) (*auth.User, error)
	SetPassword(ctx context.Context, name, password string) (*auth.User, error)
	Tokens(ctx context.Context) ([]auth.Token, error)
	CreateToken(ctx context.Context, name string, role auth.Role, scope auth.Scope, ttl time.Duration, by string) (string, *auth.Token, error)
	RevokeToken(ctx context.Context, id string) (*auth.Token, error)
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	Name      string     `json:"name"`
	Role      auth.Role  `json:"role"`
	Scope     auth.Scope `json:"scope"`
	Disabled  bool       `json:"disabled"`
	Created   time.Time  `json:"created"`
	Updated   time.Time  `json:"updated"`
	CreatedBy string     `json:"created_by,omitempty"`
}

func viewUser(u *auth.User) userView {
	return userView{Name: u.Name, Role: u.Role, Scope: u.Scope, Disabled: u.Disabled, Created: u.Created, Updated: u.Updated, CreatedBy: u.CreatedBy}
}

// tokenView is a token as the API lists it: never the secret or its hash.
type tokenView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      auth.Role  `json:"role"`
	Scope     auth.Scope `json:"scope"`
	State     string     `json:"state"` // active, expired or revoked
	Expires   time.Time  `json:"expires"`
	Created   time.Time  `json:"created"`
	CreatedBy string     `json:"created_by,omitempty"`
	Revoked   time.Time  `json:"revoked,omitzero"`
}

func viewToken(t *auth.Token, now time.Time) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Role: t.Role, Scope: t.Scope, State: t.State(now), Expires: t.Expires,
		Created: t.Created, CreatedBy: t.CreatedBy, Revoked: t.Revoked}
}

func (s *server) usersOr(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Users == nil {
			writeError(w, http.StatusServiceUnavailable, "user management is not configured on this server")
			return
		}
		h(w, r)
	}
}

// usersError answers a directory error: what the caller got wrong (400,
// 404, 409) in its own words, the store's trouble as 503.
func (s *server) usersError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrInput):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, auth.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, auth.ErrExists), errors.Is(err, errLastAdmin):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, auth.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		s.internal(w, r, err)
	}
}

// errLastAdmin keeps a deployment from locking its administrators out.
var errLastAdmin = errors.New("the last active admin cannot be disabled or lose the admin role; make another admin first")

// checkScope refuses a scope naming a program or ward the aggregator does
// not know (a typo would give the account an empty view, silently).
func (s *server) checkScope(role auth.Role, sc auth.Scope) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	if role != auth.Admin && sc.Empty() {
		return fmt.Errorf("%w: scope: a %s needs a scope (all, programs, wards or cameras)", auth.ErrInput, role)
	}
	d := s.o.Programs
	if d == nil || len(d.Programs()) == 0 {
		return nil // no programs configured: labels are all there is
	}
	for _, p := range sc.Programs {
		if _, ok := d.Program(p); !ok {
			return fmt.Errorf("%w: scope: program %q is not in the aggregator's programs", auth.ErrInput, p)
		}
	}
	for _, wd := range sc.Wards {
		if _, ok := d.Ward(wd); !ok {
			return fmt.Errorf("%w: scope: ward %q is not in the aggregator's programs", auth.ErrInput, wd)
		}
	}
	return nil
}

// grant checks what a new user or token would be: its name, role and
// scope.
func (s *server) grant(name string, role auth.Role, sc auth.Scope) (auth.Role, error) {
	if !auth.ValidName(name) {
		return "", fmt.Errorf("%w: name %q: use 1 to 64 of a-z, 0-9, '-', '_', '.'", auth.ErrInput, name)
	}
	r, err := auth.ParseRole(string(role))
	if err != nil {
		return "", err
	}
	return r, s.checkScope(r, sc)
}

// otherActiveAdmins counts the enabled admins other than name.
func (s *server) otherActiveAdmins(ctx context.Context, name string) (int, error) {
	all, err := s.o.Users.Users(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range all {
		if u.Name != name && u.Role == auth.Admin && !u.Disabled {
			n++
		}
	}
	return n, nil
}

// keepsAnAdmin refuses a change that would leave no active admin: name
// is an active admin now and would not be after the change.
func (s *server) keepsAnAdmin(ctx context.Context, name string) error {
	u, err := s.o.Users.User(ctx, name)
	if err != nil {
		return err
	}
	if u.Role != auth.Admin || u.Disabled {
		return nil
	}
	n, err := s.otherActiveAdmins(ctx, name)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("user %q: %w", name, errLastAdmin)
	}
	return nil
}

func actorRef(a *auth.Actor) string { return string(a.Kind) + ":" + a.Name }

// listUsers serves GET /api/v1/users.
func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	all, err := s.o.Users.Users(r.Context())
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	out := make([]userView, 0, len(all))
	for i := range all {
		out = append(out, viewUser(&all[i]))
	}
	writeJSON(w, http.StatusOK, struct {
		Users []userView `json:"users"`
	}{out})
}

// newUserBody is POST /api/v1/users. An empty password makes one, which
// the answer carries once.
type newUserBody struct {
	Name     string     `json:"name"`
	Role     auth.Role  `json:"role"`
	Scope    auth.Scope `json:"scope"`
	Password string     `json:"password"`
}

// userAnswer is a changed user, with the password when the server made
// it: shown this once, stored only as a hash.
type userAnswer struct {
	User     userView `json:"user"`
	Password string   `json:"password,omitempty"`
}

// addUser serves POST /api/v1/users.
func (s *server) addUser(w http.ResponseWriter, r *http.Request) {
	var b newUserBody
	if !decodeBody(w, r, &b) {
		return
	}
	role, err := s.grant(b.Name, b.Role, b.Scope)
	generated := b.Password == ""
	if generated {
		b.Password = auth.GeneratePassword()
	} else if err == nil {
		err = auth.CheckPassword(b.Password)
	}
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	p, ok := s.begin(w, r, "user.add", "user:"+b.Name, "role:"+string(role), "scope:"+b.Scope.String())
	if !ok {
		return
	}
	u, err := s.o.Users.AddUser(r.Context(), b.Name, role, b.Scope, b.Password, actorRef(ActorFrom(r.Context())))
	p.done(err)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	ans := userAnswer{User: viewUser(u)}
	if generated {
		ans.Password = b.Password
	}
	writeJSON(w, http.StatusCreated, ans)
}

// roleBody is POST /api/v1/users/{name}/role.
type roleBody struct {
	Role  auth.Role  `json:"role"`
	Scope auth.Scope `json:"scope"`
}

// setUserRole serves POST /api/v1/users/{name}/role: role and scope
// apply to the user's open sessions at once.
func (s *server) setUserRole(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var b roleBody
	if !decodeBody(w, r, &b) {
		return
	}
	role, err := auth.ParseRole(string(b.Role))
	if err == nil {
		err = s.checkScope(role, b.Scope)
	}
	if err == nil && role != auth.Admin {
		err = s.keepsAnAdmin(r.Context(), name)
	}
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	p, ok := s.begin(w, r, "user.role", "user:"+name, "role:"+string(role), "scope:"+b.Scope.String())
	if !ok {
		return
	}
	u, err := s.o.Users.SetRole(r.Context(), name, role, b.Scope)
	p.done(err)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userAnswer{User: viewUser(u)})
}

// setUserDisabled serves POST /api/v1/users/{name}/disable and /enable;
// disabling ends every session of the user.
func (s *server) setUserDisabled(disabled bool) http.HandlerFunc {
	action := map[bool]string{true: "user.disable", false: "user.enable"}[disabled]
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if disabled {
			if err := s.keepsAnAdmin(r.Context(), name); err != nil {
				s.usersError(w, r, err)
				return
			}
		}
		p, ok := s.begin(w, r, action, "user:"+name)
		if !ok {
			return
		}
		u, err := s.o.Users.SetDisabled(r.Context(), name, disabled)
		p.done(err)
		if err != nil {
			s.usersError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, userAnswer{User: viewUser(u)})
	}
}

// resetBody is POST /api/v1/users/{name}/password; empty makes one.
type resetBody struct {
	Password string `json:"password"`
}

// resetPassword serves POST /api/v1/users/{name}/password: an admin sets
// (or has the server make) a user's password; the user's sessions end.
func (s *server) resetPassword(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var b resetBody
	if !decodeBody(w, r, &b) {
		return
	}
	generated := b.Password == ""
	if generated {
		b.Password = auth.GeneratePassword()
	} else if err := auth.CheckPassword(b.Password); err != nil {
		s.usersError(w, r, err)
		return
	}
	if _, err := s.o.Users.User(r.Context(), name); err != nil {
		s.usersError(w, r, err)
		return
	}
	p, ok := s.begin(w, r, "user.password", "user:"+name)
	if !ok {
		return
	}
	u, err := s.o.Users.SetPassword(r.Context(), name, b.Password)
	p.done(err)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	ans := userAnswer{User: viewUser(u)}
	if generated {
		ans.Password = b.Password
	}
	writeJSON(w, http.StatusOK, ans)
}

// listTokens serves GET /api/v1/tokens, newest first.
func (s *server) listTokens(w http.ResponseWriter, r *http.Request) {
	all, err := s.o.Users.Tokens(r.Context())
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	now := s.o.Now()
	out := make([]tokenView, 0, len(all))
	for i := range all {
		out = append(out, viewToken(&all[i], now))
	}
	writeJSON(w, http.StatusOK, struct {
		Tokens []tokenView `json:"tokens"`
	}{out})
}

// newTokenBody is POST /api/v1/tokens; ExpiresInDays defaults to 90.
type newTokenBody struct {
	Name          string     `json:"name"`
	Role          auth.Role  `json:"role"`
	Scope         auth.Scope `json:"scope"`
	ExpiresInDays int        `json:"expires_in_days"`
}

// DefaultTokenDays is a new token's life when the request names none.
const DefaultTokenDays = 90

// tokenAnswer carries the token string: this answer is the only place it
// ever appears.
type tokenAnswer struct {
	Token     string    `json:"token"`
	TokenInfo tokenView `json:"info"`
}

// createToken serves POST /api/v1/tokens.
func (s *server) createToken(w http.ResponseWriter, r *http.Request) {
	var b newTokenBody
	if !decodeBody(w, r, &b) {
		return
	}
	if b.ExpiresInDays == 0 {
		b.ExpiresInDays = DefaultTokenDays
	}
	maxDays := int(auth.MaxTokenTTL / (24 * time.Hour))
	if b.ExpiresInDays < 1 || b.ExpiresInDays > maxDays {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("expires_in_days: from 1 to %d", maxDays))
		return
	}
	role, err := s.grant(b.Name, b.Role, b.Scope)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	p, ok := s.begin(w, r, "token.create", "token:"+b.Name, "role:"+string(role), "scope:"+b.Scope.String())
	if !ok {
		return
	}
	secret, t, err := s.o.Users.CreateToken(r.Context(), b.Name, role, b.Scope, time.Duration(b.ExpiresInDays)*24*time.Hour, actorRef(ActorFrom(r.Context())))
	p.done(err)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenAnswer{Token: secret, TokenInfo: viewToken(t, s.o.Now())})
}

// revokeToken serves DELETE /api/v1/tokens/{id}: the token stops working
// at once; its record stays for the audit trail.
func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, ok := s.begin(w, r, "token.revoke", "token-id:"+id)
	if !ok {
		return
	}
	t, err := s.o.Users.RevokeToken(r.Context(), id)
	p.done(err)
	if err != nil {
		s.usersError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewToken(t, s.o.Now()))
}

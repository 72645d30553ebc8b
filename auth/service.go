package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/camwatch/camwatch/lograte"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// ServiceOptions configure logins and sessions.
type ServiceOptions struct {
	Directory *Directory
	Redis     redis.UniversalClient
	// Prefix starts the Redis keys of sessions and login failures.
	Prefix string
	// SessionIdle ends a session unused this long (default 30m);
	// SessionAbsolute ends any session this long after login (12h).
	SessionIdle, SessionAbsolute time.Duration
	// FailuresPerUser and FailuresPerAddress failed logins within
	// FailureWindow lock further attempts of that user, or from that
	// address, until the window ends (defaults 10, 30, 15m).
	FailuresPerUser, FailuresPerAddress int
	FailureWindow                       time.Duration
	// MaxHashing bounds the argon2id computations run at once, so a flood
	// of logins cannot take every core (default half the CPUs, at least 1).
	MaxHashing int
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service checks logins, sessions and tokens.
type Service struct {
	o       ServiceOptions
	dir     *Directory
	sess    *sessions
	fail    *failures
	hashing chan struct{}
	dummy   string
	logins  *prometheus.CounterVec
	refused *prometheus.CounterVec
	logRate *lograte.Limiter
	log     *slog.Logger
}

// NewService wires the directory and Redis together.
func NewService(o ServiceOptions) (*Service, error) {
	if o.Directory == nil || o.Redis == nil {
		return nil, errors.New("auth service: needs a directory and redis")
	}
	if o.Prefix == "" {
		o.Prefix = "camwatch"
	}
	o.SessionIdle = cmpDur(o.SessionIdle, 30*time.Minute)
	o.SessionAbsolute = cmpDur(o.SessionAbsolute, 12*time.Hour)
	o.FailureWindow = cmpDur(o.FailureWindow, 15*time.Minute)
	if o.FailuresPerUser <= 0 {
		o.FailuresPerUser = 10
	}
	if o.FailuresPerAddress <= 0 {
		o.FailuresPerAddress = 30
	}
	if o.MaxHashing <= 0 {
		o.MaxHashing = max(1, runtime.NumCPU()/2)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	// The hash compared when the user does not exist, so that an unknown
	// name costs the same time as a wrong password.
	dummy, err := HashPassword("camwatch-no-such-user", o.Directory.o.Argon2)
	if err != nil {
		return nil, err
	}
	s := &Service{o: o, dir: o.Directory, dummy: dummy, hashing: make(chan struct{}, o.MaxHashing),
		sess: &sessions{rdb: o.Redis, prefix: o.Prefix, idle: o.SessionIdle, absolute: o.SessionAbsolute},
		fail: &failures{rdb: o.Redis, prefix: o.Prefix, window: o.FailureWindow, perUser: o.FailuresPerUser, perAddr: o.FailuresPerAddress},
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_auth_logins_total",
			Help: "Console logins, by result (ok, bad_credentials, rate_limited, error)."}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_auth_refused_total",
			Help: "Requests refused for their credentials, by reason (no_credentials, malformed, unknown, wrong_secret, expired, revoked, session)."}, []string{"reason"}),
		logRate: lograte.New(time.Minute), log: o.Logger,
	}
	for _, c := range []prometheus.Collector{s.logins, s.refused} {
		if err := o.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("auth metrics: %w", err)
		}
	}
	return s, nil
}

func cmpDur(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Directory is the identity store the service reads.
func (s *Service) Directory() *Directory { return s.dir }

// SessionIdle and SessionAbsolute are the configured timeouts.
func (s *Service) SessionIdle() time.Duration     { return s.o.SessionIdle }
func (s *Service) SessionAbsolute() time.Duration { return s.o.SessionAbsolute }

// LoginFailure tells the caller how a login failed, for its audit
// record; the answer to the client is the same for all of them.
type LoginFailure struct {
	// Reason: bad_credentials (unknown user, wrong password or disabled
	// user: deliberately one reason), rate_limited, error.
	Reason string
	// FirstLimited is set on the failure that reached a limit.
	FirstLimited bool
	RetryAfter   time.Duration
	Err          error
}

func (f *LoginFailure) Error() string { return f.Err.Error() }
func (f *LoginFailure) Unwrap() error { return f.Err }

// Authenticate checks a name and password from addr. Its error is a
// *LoginFailure wrapping ErrUnauthenticated, ErrRateLimited or
// ErrUnavailable; it never says whether the user exists.
func (s *Service) Authenticate(ctx context.Context, name, password, addr string) (*User, error) {
	limited, retry, err := s.fail.limited(ctx, name, addr)
	if err != nil {
		s.logins.WithLabelValues("error").Inc()
		return nil, &LoginFailure{Reason: "error", Err: err}
	}
	if limited {
		s.logins.WithLabelValues("rate_limited").Inc()
		if s.logRate.Allow("limited", s.o.Now()) {
			s.log.Warn("failed logins rate-limited (logged once a minute; camwatch_auth_logins_total counts)", "addr", addr)
		}
		return nil, &LoginFailure{Reason: "rate_limited", RetryAfter: retry, Err: ErrRateLimited}
	}
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return nil, &LoginFailure{Reason: "error", Err: fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())}
	}
	u, uerr := s.dir.User(ctx, name)
	hash := s.dummy
	if uerr == nil {
		hash = u.Hash
	}
	ok, herr := VerifyPassword(password, hash)
	<-s.hashing
	if uerr != nil && !errors.Is(uerr, ErrNotFound) {
		s.logins.WithLabelValues("error").Inc()
		return nil, &LoginFailure{Reason: "error", Err: uerr}
	}
	if herr != nil && uerr == nil {
		s.log.Error("stored password hash unreadable", "user", name, "err", herr)
	}
	if uerr == nil && ok && herr == nil && !u.Disabled {
		s.fail.succeeded(ctx, name)
		return u, nil
	}
	s.logins.WithLabelValues("bad_credentials").Inc()
	first, ferr := s.fail.failed(ctx, name, addr)
	if ferr != nil {
		s.log.Warn("failed login not counted", "err", ferr)
	}
	if s.logRate.Allow("failed", s.o.Now()) {
		s.log.Warn("failed login (logged once a minute; camwatch_auth_logins_total counts)", "addr", addr)
	}
	return nil, &LoginFailure{Reason: "bad_credentials", FirstLimited: first, Err: ErrUnauthenticated}
}

// StartSession opens a console session for u (after Authenticate) and
// returns the cookie value and the actor.
func (s *Service) StartSession(ctx context.Context, u *User, addr string) (string, *Actor, error) {
	now := s.o.Now()
	v, sess, err := s.sess.create(ctx, u, addr, now)
	if err != nil {
		s.logins.WithLabelValues("error").Inc()
		return "", nil, err
	}
	s.logins.WithLabelValues("ok").Inc()
	return v, s.userActor(u, sess), nil
}

func (s *Service) userActor(u *User, sess session) *Actor {
	return &Actor{Kind: KindUser, Name: u.Name, Role: u.Role, Scope: u.Scope, Session: sess.key,
		Expires: sess.created.Add(s.o.SessionAbsolute)}
}

// SessionActor returns the actor of a session cookie's value: the user
// as stored now (role and scope changes apply at once), refused when the
// user was disabled or changed password since the session began.
func (s *Service) SessionActor(ctx context.Context, cookie string) (*Actor, error) {
	sess, err := s.sess.lookup(ctx, cookie, s.o.Now())
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			s.refused.WithLabelValues("session").Inc()
		}
		return nil, err
	}
	u, err := s.dir.cachedUser(ctx, sess.user)
	if err != nil || u.Disabled || u.Generation != sess.gen {
		_ = s.sess.end(ctx, sess.key, sess.user)
		s.refused.WithLabelValues("session").Inc()
		return nil, ErrUnauthenticated
	}
	return s.userActor(u, sess), nil
}

// TokenActor returns the actor of an API token string.
func (s *Service) TokenActor(token string) (*Actor, error) {
	a, reason, err := s.dir.TokenActor(token, s.o.Now())
	if err != nil {
		s.refused.WithLabelValues(reason).Inc()
		if s.logRate.Allow("token:"+reason, s.o.Now()) {
			s.log.Warn("API token refused (logged once a minute per reason)", "reason", reason)
		}
	}
	return a, err
}

// Refused counts a request refused before any credential was checked.
func (s *Service) Refused(reason string) { s.refused.WithLabelValues(reason).Inc() }

// Logout ends the actor's session (a token has none to end).
func (s *Service) Logout(ctx context.Context, a *Actor) error {
	if a == nil || a.Session == "" {
		return nil
	}
	return s.sess.end(ctx, a.Session, a.Name)
}

// ChangePassword sets a new password for the signed-in user after
// checking the old one, ends their other sessions, and returns a new
// cookie value for this one (the old session ends too).
func (s *Service) ChangePassword(ctx context.Context, a *Actor, old, pw, addr string) (string, *Actor, error) {
	if a == nil || a.Kind != KindUser {
		return "", nil, fmt.Errorf("%w: only a signed-in user has a password", ErrInput)
	}
	if err := CheckPassword(pw); err != nil {
		return "", nil, err
	}
	if _, err := s.Authenticate(ctx, a.Name, old, addr); err != nil {
		return "", nil, err
	}
	u, err := s.dir.SetPassword(ctx, a.Name, pw)
	if err != nil {
		return "", nil, err
	}
	if _, err := s.sess.endAll(ctx, a.Name, ""); err != nil {
		s.log.Warn("old sessions not deleted; their generation refuses them", "user", a.Name, "err", err)
	}
	return s.StartSession(ctx, u, addr)
}

// EndSessions deletes every session of a user (after a disable or a
// password set by an admin); the generation check refuses them anyway.
func (s *Service) EndSessions(ctx context.Context, name string) (int, error) {
	return s.sess.endAll(ctx, name, "")
}

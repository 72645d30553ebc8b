package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// sessions keeps console sessions in Redis, which holds what can be lost:
// losing Redis only logs people out. The cookie carries a random 256-bit
// id; Redis stores only its SHA-256, so a copy of Redis opens no session.
// This type is the only one that knows these keys.
type sessions struct {
	rdb      redis.UniversalClient
	prefix   string
	idle     time.Duration
	absolute time.Duration
}

type session struct {
	key     string
	user    string
	gen     uint64
	created time.Time
}

func (s *sessions) key(h string) string        { return s.prefix + ":session:" + h }
func (s *sessions) userKey(name string) string { return s.prefix + ":session:user:" + name }

// cookieLen is the length of a session cookie's value.
const cookieLen = 43

func hashCookie(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// create stores a new session for user u and returns the cookie value.
func (s *sessions) create(ctx context.Context, u *User, addr string, now time.Time) (string, session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", session{}, err
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	h := hashCookie(v)
	p := s.rdb.TxPipeline()
	p.HSet(ctx, s.key(h), "user", u.Name, "gen", u.Generation, "created", now.UnixMilli(), "addr", addr)
	p.PExpire(ctx, s.key(h), min(s.idle, s.absolute))
	p.SAdd(ctx, s.userKey(u.Name), h)
	p.PExpire(ctx, s.userKey(u.Name), s.absolute)
	if _, err := p.Exec(ctx); err != nil {
		return "", session{}, fmt.Errorf("%w: session store: %v", ErrUnavailable, err)
	}
	return v, session{key: h, user: u.Name, gen: u.Generation, created: now}, nil
}

// lookup finds the session of a cookie value and extends its idle
// timeout; ErrUnauthenticated when there is none or it is too old.
func (s *sessions) lookup(ctx context.Context, v string, now time.Time) (session, error) {
	if len(v) != cookieLen {
		return session{}, ErrUnauthenticated
	}
	h := hashCookie(v)
	p := s.rdb.Pipeline()
	get := p.HGetAll(ctx, s.key(h))
	p.PExpire(ctx, s.key(h), s.idle)
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return session{}, fmt.Errorf("%w: session store: %v", ErrUnavailable, err)
	}
	m := get.Val()
	if len(m) == 0 {
		return session{}, ErrUnauthenticated
	}
	gen, err1 := strconv.ParseUint(m["gen"], 10, 64)
	ms, err2 := strconv.ParseInt(m["created"], 10, 64)
	if err1 != nil || err2 != nil || m["user"] == "" {
		s.rdb.Del(ctx, s.key(h))
		return session{}, ErrUnauthenticated
	}
	created := time.UnixMilli(ms)
	if now.Sub(created) >= s.absolute {
		s.end(ctx, h, m["user"])
		return session{}, ErrUnauthenticated
	}
	return session{key: h, user: m["user"], gen: gen, created: created}, nil
}

// end deletes one session.
func (s *sessions) end(ctx context.Context, h, user string) error {
	p := s.rdb.TxPipeline()
	p.Del(ctx, s.key(h))
	p.SRem(ctx, s.userKey(user), h)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("%w: session store: %v", ErrUnavailable, err)
	}
	return nil
}

// endAll deletes every session of user except the one with key keep.
func (s *sessions) endAll(ctx context.Context, user, keep string) (int, error) {
	hs, err := s.rdb.SMembers(ctx, s.userKey(user)).Result()
	if err != nil {
		return 0, fmt.Errorf("%w: session store: %v", ErrUnavailable, err)
	}
	n := 0
	for _, h := range hs {
		if h == keep {
			continue
		}
		if err := s.end(ctx, h, user); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// failures counts failed logins per user and per client address in Redis
// (shared by every aggregator replica), each in a fixed window.
type failures struct {
	rdb     redis.UniversalClient
	prefix  string
	window  time.Duration
	perUser int
	perAddr int
}

func (f *failures) keys(user, addr string) (string, string) {
	return f.prefix + ":loginfail:user:" + user, f.prefix + ":loginfail:addr:" + addr
}

// limited reports whether user or addr has used up its failures.
func (f *failures) limited(ctx context.Context, user, addr string) (bool, time.Duration, error) {
	ku, ka := f.keys(user, addr)
	p := f.rdb.Pipeline()
	u, a := p.Get(ctx, ku), p.Get(ctx, ka)
	ut, at := p.PTTL(ctx, ku), p.PTTL(ctx, ka)
	if _, err := p.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return false, 0, fmt.Errorf("%w: login limiter: %v", ErrUnavailable, err)
	}
	nu, _ := u.Int()
	na, _ := a.Int()
	switch {
	case nu >= f.perUser:
		return true, max(ut.Val(), time.Second), nil
	case na >= f.perAddr:
		return true, max(at.Val(), time.Second), nil
	}
	return false, 0, nil
}

// failed counts one failure against user and addr; it reports whether
// this one reached a limit (for the audit record made once per window).
func (f *failures) failed(ctx context.Context, user, addr string) (bool, error) {
	ku, ka := f.keys(user, addr)
	p := f.rdb.TxPipeline()
	u, a := p.Incr(ctx, ku), p.Incr(ctx, ka)
	p.ExpireNX(ctx, ku, f.window)
	p.ExpireNX(ctx, ka, f.window)
	if _, err := p.Exec(ctx); err != nil {
		return false, fmt.Errorf("%w: login limiter: %v", ErrUnavailable, err)
	}
	return u.Val() == int64(f.perUser) || a.Val() == int64(f.perAddr), nil
}

// succeeded clears the user's failures (not the address's).
func (f *failures) succeeded(ctx context.Context, user string) {
	ku, _ := f.keys(user, "")
	f.rdb.Del(ctx, ku)
}

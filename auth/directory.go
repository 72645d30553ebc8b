package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultBucket is the JetStream key-value bucket of users and tokens.
const DefaultBucket = "CAMWATCH_USERS"

// User is a local account, stored as JSON under "user.NAME".
type User struct {
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Scope    Scope  `json:"scope"`
	Hash     string `json:"hash"`
	Disabled bool   `json:"disabled,omitempty"`
	// Generation goes up with every password change and every disable:
	// sessions made under an older one are ended.
	Generation uint64    `json:"generation"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	CreatedBy  string    `json:"created_by,omitempty"`
}

// Token is an API token for scripts and integrations, stored under
// "token.ID". Only the SHA-256 of its secret is kept; the secret is
// shown once, at creation.
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Scope     Scope     `json:"scope"`
	Hash      string    `json:"hash"`
	Expires   time.Time `json:"expires"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by,omitempty"`
	Revoked   time.Time `json:"revoked,omitzero"`
}

// Active reports whether the token still works at now.
func (t *Token) Active(now time.Time) bool { return t.Revoked.IsZero() && now.Before(t.Expires) }

// State names the token's state at now for lists: active, expired or
// revoked.
func (t *Token) State(now time.Time) string {
	switch {
	case !t.Revoked.IsZero():
		return "revoked"
	case !now.Before(t.Expires):
		return "expired"
	}
	return "active"
}

// DirectoryOptions configure the users bucket.
type DirectoryOptions struct {
	Bucket   string // default DefaultBucket
	Replicas int    // default 1; the NATS cluster's size for durability
	// Argon2 hashes new passwords; zero means DefaultArgon2.
	Argon2 Argon2Params
	Now    func() time.Time
	Logger *slog.Logger
}

// Directory is the identity store: users and tokens in a JetStream KV
// bucket (replicated with the cluster, with history), plus an in-memory
// copy kept current by a watch so that a token check costs no round trip.
type Directory struct {
	kv  jetstream.KeyValue
	o   DirectoryOptions
	mu  sync.RWMutex
	usr map[string]*User
	tok map[string]*Token
	// ready is closed once the watch has delivered the bucket's contents.
	ready   chan struct{}
	watched bool
}

// OpenDirectory creates or binds the bucket. Watch must run for the
// cached lookups (UserCached, TokenActor) to work.
func OpenDirectory(ctx context.Context, js jetstream.JetStream, o DirectoryOptions) (*Directory, error) {
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: o.Bucket, Description: "camwatch users and API tokens", History: 16,
		Replicas: o.Replicas, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: users bucket %s: %v", ErrUnavailable, o.Bucket, err)
	}
	return &Directory{kv: kv, o: o, usr: map[string]*User{}, tok: map[string]*Token{}, ready: make(chan struct{})}, nil
}

// ValidName reports whether s can be a user or token name: 1 to 64 of
// a-z, 0-9, '-', '_', '.', starting with a letter or digit.
func ValidName(s string) bool {
	if len(s) < 1 || len(s) > 64 || s[0] == '.' || s[0] == '-' || s[len(s)-1] == '.' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func nameErr(what, s string) error {
	return fmt.Errorf("%w: %s %q: use 1 to 64 of a-z, 0-9, '-', '_', '.'", ErrInput, what, s)
}

func checkRoleScope(r Role, s Scope) error {
	if !r.Valid() {
		return fmt.Errorf("%w: role %q is not one of viewer, operator, technician, investigator, admin", ErrInput, r)
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if r != Admin && s.Empty() {
		return fmt.Errorf("%w: scope: a %s needs a scope (programs, wards, cameras, or all)", ErrInput, r)
	}
	return nil
}

// AddUser creates a user; ErrExists if the name is taken.
func (d *Directory) AddUser(ctx context.Context, name string, role Role, scope Scope, password, by string) (*User, error) {
	if !ValidName(name) {
		return nil, nameErr("user", name)
	}
	if err := checkRoleScope(role, scope); err != nil {
		return nil, err
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, d.o.Argon2)
	if err != nil {
		return nil, err
	}
	if role == Admin {
		scope = Scope{All: true}
	}
	now := d.o.Now().UTC()
	u := &User{Name: name, Role: role, Scope: scope, Hash: hash, Generation: 1, Created: now, Updated: now, CreatedBy: by}
	data, _ := json.Marshal(u)
	if _, err := d.kv.Create(ctx, "user."+name, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("user %q: %w", name, ErrExists)
		}
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	d.put(u, nil)
	return u, nil
}

// User reads a user from the bucket.
func (d *Directory) User(ctx context.Context, name string) (*User, error) {
	u, _, err := d.getUser(ctx, name)
	return u, err
}

func (d *Directory) getUser(ctx context.Context, name string) (*User, uint64, error) {
	if !ValidName(name) {
		return nil, 0, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	e, err := d.kv.Get(ctx, "user."+name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var u User
	if err := json.Unmarshal(e.Value(), &u); err != nil {
		return nil, 0, fmt.Errorf("user %q: stored record: %w", name, err)
	}
	return &u, e.Revision(), nil
}

// updateUser applies f to the stored user under optimistic concurrency
// (retried when another writer got there first).
func (d *Directory) updateUser(ctx context.Context, name string, f func(*User) error) (*User, error) {
	for range 5 {
		u, rev, err := d.getUser(ctx, name)
		if err != nil {
			return nil, err
		}
		if err := f(u); err != nil {
			return nil, err
		}
		u.Updated = d.o.Now().UTC()
		data, _ := json.Marshal(u)
		if _, err := d.kv.Update(ctx, "user."+name, data, rev); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // someone else changed it; read again
			}
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		d.put(u, nil)
		return u, nil
	}
	return nil, fmt.Errorf("%w: user %q keeps changing under us", ErrUnavailable, name)
}

// SetPassword changes a user's password and ends their sessions (by
// raising the generation).
func (d *Directory) SetPassword(ctx context.Context, name, password string) (*User, error) {
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(password, d.o.Argon2)
	if err != nil {
		return nil, err
	}
	return d.updateUser(ctx, name, func(u *User) error {
		u.Hash = hash
		u.Generation++
		return nil
	})
}

// SetDisabled disables (ending every session) or enables a user.
func (d *Directory) SetDisabled(ctx context.Context, name string, disabled bool) (*User, error) {
	return d.updateUser(ctx, name, func(u *User) error {
		if disabled && !u.Disabled {
			u.Generation++
		}
		u.Disabled = disabled
		return nil
	})
}

// SetRole changes a user's role and scope.
func (d *Directory) SetRole(ctx context.Context, name string, role Role, scope Scope) (*User, error) {
	if err := checkRoleScope(role, scope); err != nil {
		return nil, err
	}
	if role == Admin {
		scope = Scope{All: true}
	}
	return d.updateUser(ctx, name, func(u *User) error {
		u.Role, u.Scope = role, scope
		return nil
	})
}

// Users lists every user, by name.
func (d *Directory) Users(ctx context.Context) ([]User, error) {
	var out []User
	err := d.each(ctx, "user.", func(v []byte) {
		var u User
		if json.Unmarshal(v, &u) == nil {
			u.Hash = ""
			out = append(out, u)
		}
	})
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

// Tokens lists every token (without hashes), newest first.
func (d *Directory) Tokens(ctx context.Context) ([]Token, error) {
	var out []Token
	err := d.each(ctx, "token.", func(v []byte) {
		var t Token
		if json.Unmarshal(v, &t) == nil {
			t.Hash = ""
			out = append(out, t)
		}
	})
	slices.SortFunc(out, func(a, b Token) int { return b.Created.Compare(a.Created) })
	return out, err
}

func (d *Directory) each(ctx context.Context, prefix string, f func([]byte)) error {
	lister, err := d.kv.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer lister.Stop()
	for k := range lister.Keys() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		e, err := d.kv.Get(ctx, k)
		if err != nil {
			continue // deleted meanwhile
		}
		f(e.Value())
	}
	return nil
}

// HasUsers reports whether any user exists (a fresh deployment has none).
func (d *Directory) HasUsers(ctx context.Context) (bool, error) {
	lister, err := d.kv.ListKeys(ctx)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer lister.Stop()
	for k := range lister.Keys() {
		if strings.HasPrefix(k, "user.") {
			return true, nil
		}
	}
	return false, nil
}

// TokenPrefix starts every API token, so a leaked one is recognisable
// (secret scanners) and a password is never mistaken for one.
const TokenPrefix = "cwt_"

// ParseToken splits "cwt_<16 hex id>_<43 base64url secret>" into id and
// secret; ok is false for anything else.
func ParseToken(s string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(s, TokenPrefix)
	if !found || len(rest) != 16+1+43 || rest[16] != '_' {
		return "", "", false
	}
	id, secret = rest[:16], rest[17:]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", "", false
	}
	if b, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(b) != 32 {
		return "", "", false
	}
	return id, secret, true
}

func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// MaxTokenTTL bounds a token's life: a token for ever is a password
// nobody rotates.
const MaxTokenTTL = 400 * 24 * time.Hour

// CreateToken makes a token with a random 256-bit secret and returns the
// whole token string, which is never stored and cannot be shown again.
func (d *Directory) CreateToken(ctx context.Context, name string, role Role, scope Scope, ttl time.Duration, by string) (string, *Token, error) {
	if !ValidName(name) {
		return "", nil, nameErr("token", name)
	}
	if err := checkRoleScope(role, scope); err != nil {
		return "", nil, err
	}
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", nil, fmt.Errorf("%w: expiry: from 1s to %s", ErrInput, MaxTokenTTL)
	}
	if role == Admin {
		scope = Scope{All: true}
	}
	var idb [8]byte
	var sec [32]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return "", nil, err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", nil, err
	}
	id, secret := hex.EncodeToString(idb[:]), base64.RawURLEncoding.EncodeToString(sec[:])
	now := d.o.Now().UTC()
	t := &Token{ID: id, Name: name, Role: role, Scope: scope, Hash: secretHash(secret),
		Expires: now.Add(ttl), Created: now, CreatedBy: by}
	data, _ := json.Marshal(t)
	if _, err := d.kv.Create(ctx, "token."+id, data); err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	d.put(nil, t)
	out := *t
	out.Hash = ""
	return TokenPrefix + id + "_" + secret, &out, nil
}

// RevokeToken ends a token at once (on every replica, through the
// watch); the record stays, for the audit trail.
func (d *Directory) RevokeToken(ctx context.Context, id string) (*Token, error) {
	for range 5 {
		e, err := d.kv.Get(ctx, "token."+id)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
			return nil, fmt.Errorf("token %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		var t Token
		if err := json.Unmarshal(e.Value(), &t); err != nil {
			return nil, fmt.Errorf("token %q: stored record: %w", id, err)
		}
		if t.Revoked.IsZero() {
			t.Revoked = d.o.Now().UTC()
		}
		data, _ := json.Marshal(&t)
		if _, err := d.kv.Update(ctx, "token."+id, data, e.Revision()); err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		stored := t
		d.put(nil, &stored)
		t.Hash = ""
		return &t, nil
	}
	return nil, fmt.Errorf("%w: token %q keeps changing under us", ErrUnavailable, id)
}

// put updates the in-memory copy (also used by the writer itself, so a
// replica sees its own change before the watch echoes it).
func (d *Directory) put(u *User, t *Token) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u != nil {
		d.usr[u.Name] = u
	}
	if t != nil {
		d.tok[t.ID] = t
	}
}

// Watch keeps the in-memory copy current until ctx ends; it returns once
// the bucket's contents are loaded (or ctx ends), and keeps watching in
// the background.
func (d *Directory) Watch(ctx context.Context) error {
	w, err := d.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("%w: watch users: %v", ErrUnavailable, err)
	}
	d.watched = true
	loaded := make(chan struct{})
	go func() {
		defer func() { _ = w.Stop() }()
		once := sync.OnceFunc(func() { close(loaded); close(d.ready) })
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e == nil { // initial values delivered
					once()
					continue
				}
				d.apply(e)
			}
		}
	}()
	select {
	case <-loaded:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Directory) apply(e jetstream.KeyValueEntry) {
	k := e.Key()
	del := e.Operation() != jetstream.KeyValuePut
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case strings.HasPrefix(k, "user."):
		name := strings.TrimPrefix(k, "user.")
		var u User
		if del || json.Unmarshal(e.Value(), &u) != nil || u.Name != name {
			delete(d.usr, name)
			return
		}
		d.usr[name] = &u
	case strings.HasPrefix(k, "token."):
		id := strings.TrimPrefix(k, "token.")
		var t Token
		if del || json.Unmarshal(e.Value(), &t) != nil || t.ID != id {
			delete(d.tok, id)
			return
		}
		d.tok[id] = &t
	}
}

// cachedUser returns the watched copy of a user, or reads the bucket
// when nothing watches (a command-line tool).
func (d *Directory) cachedUser(ctx context.Context, name string) (*User, error) {
	if !d.watched {
		return d.User(ctx, name)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if u := d.usr[name]; u != nil {
		return u, nil
	}
	return nil, fmt.Errorf("user %q: %w", name, ErrNotFound)
}

// TokenActor checks an API token string against the watched copy; any
// failure (malformed, unknown, wrong secret, expired, revoked) is
// ErrUnauthenticated with the reason for metrics and logs only.
func (d *Directory) TokenActor(s string, now time.Time) (*Actor, string, error) {
	id, secret, ok := ParseToken(s)
	if !ok {
		return nil, "malformed", ErrUnauthenticated
	}
	d.mu.RLock()
	t := d.tok[id]
	d.mu.RUnlock()
	if t == nil {
		return nil, "unknown", ErrUnauthenticated
	}
	if subtle.ConstantTimeCompare([]byte(secretHash(secret)), []byte(t.Hash)) != 1 {
		return nil, "wrong_secret", ErrUnauthenticated
	}
	if !t.Revoked.IsZero() {
		return nil, "revoked", ErrUnauthenticated
	}
	if !now.Before(t.Expires) {
		return nil, "expired", ErrUnauthenticated
	}
	return &Actor{Kind: KindToken, Name: t.Name, Role: t.Role, Scope: t.Scope, TokenID: t.ID, Expires: t.Expires}, "", nil
}

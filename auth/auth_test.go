package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// fast keeps the tests quick; the chosen cost is measured in the
// benchmark, not here.
var fast = Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func directory(t *testing.T) *Directory { return directoryTB(t, fast) }

func directoryTB(t testing.TB, argon Argon2Params) *Directory {
	t.Helper()
	nc, err := nats.Connect(testenv.NATS(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	d, err := OpenDirectory(context.Background(), js, DirectoryOptions{Argon2: argon})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := d.Watch(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func serviceTB(t testing.TB, d *Directory) *Service { return service(t, d, &clock{t: time.Now()}) }

func service(t testing.TB, d *Directory, c *clock) *Service {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	s, err := NewService(ServiceOptions{Directory: d, Redis: rdb, Prefix: prefix, SessionIdle: time.Hour,
		SessionAbsolute: 2 * time.Hour, FailuresPerUser: 3, FailuresPerAddress: 5, Now: c.now, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=32768,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	for _, tc := range []struct {
		name, pw string
		want     bool
	}{{"right", "correct horse battery", true}, {"wrong", "correct horse batterz", false}, {"empty", "", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.pw, h)
			if err != nil || ok != tc.want {
				t.Errorf("verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"} {
		if _, err := VerifyPassword("x", bad); !errors.Is(err, ErrHash) {
			t.Errorf("hash %q: err %v, want ErrHash", bad, err)
		}
	}
}

func TestTokens(t *testing.T) {
	d := directory(t)
	ctx := context.Background()
	c := &clock{t: time.Now()}
	sec, tok, err := d.CreateToken(ctx, "ward-report", Viewer, Scope{Wards: []string{"ben-nghe"}}, time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Hash != "" || strings.Contains(tok.ID, sec[len(sec)-43:]) {
		t.Fatal("the token record carries its secret or hash")
	}
	id, secret, _ := ParseToken(sec)
	other, _, _ := d.CreateToken(ctx, "other", Viewer, Scope{All: true}, time.Hour, "test")
	_, otherSecret, _ := ParseToken(other)
	for _, tc := range []struct {
		name, token, reason string
		at                  time.Time
	}{
		{"valid", sec, "", c.t},
		{"malformed", "cwt_nope", "malformed", c.t},
		{"not a token", "hunter2", "malformed", c.t},
		{"unknown id", TokenPrefix + "0123456789abcdef_" + secret, "unknown", c.t},
		{"wrong secret", TokenPrefix + id + "_" + otherSecret, "wrong_secret", c.t},
		{"expired", sec, "expired", c.t.Add(2 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, reason, err := d.TokenActor(tc.token, tc.at)
			if tc.reason == "" {
				if err != nil || a.Role != Viewer || a.Name != "ward-report" || a.Kind != KindToken {
					t.Fatalf("actor %+v %v", a, err)
				}
				return
			}
			if !errors.Is(err, ErrUnauthenticated) || reason != tc.reason {
				t.Errorf("err %v reason %q, want %s", err, reason, tc.reason)
			}
		})
	}
	if _, err := d.RevokeToken(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, reason, err := d.TokenActor(sec, c.t); !errors.Is(err, ErrUnauthenticated) || reason != "revoked" {
		t.Errorf("revoked token: %q %v", reason, err)
	}
	list, _ := d.Tokens(ctx)
	if len(list) != 2 || list[0].Hash != "" {
		t.Errorf("tokens %+v", list)
	}
	if _, _, err := d.CreateToken(ctx, "x", Operator, Scope{}, time.Hour, "t"); !errors.Is(err, ErrInput) {
		t.Errorf("operator token without scope: %v", err)
	}
}

// TestRevokeReachesAnotherReplica: a token revoked through one directory
// (the command line) stops working in another's watched copy.
func TestRevokeReachesAnotherReplica(t *testing.T) {
	url := testenv.NATS(t)
	open := func() *Directory {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, _ := jetstream.New(nc)
		d, err := OpenDirectory(context.Background(), js, DirectoryOptions{Argon2: fast})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cli, agg := open(), open()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := agg.Watch(ctx); err != nil {
		t.Fatal(err)
	}
	sec, tok, err := cli.CreateToken(ctx, "script", Admin, Scope{}, time.Hour, "cli")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error { _, _, err := agg.TokenActor(sec, time.Now()); return err })
	if _, err := cli.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if _, _, err := agg.TokenActor(sec, time.Now()); err == nil {
			return errors.New("still accepted")
		}
		return nil
	})
}

func TestLoginAndSessions(t *testing.T) {
	d := directory(t)
	c := &clock{t: time.Now()}
	s := service(t, d, c)
	ctx := context.Background()
	if _, err := d.AddUser(ctx, "lan", Operator, Scope{Programs: []string{"p1"}}, "lan-password-1", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddUser(ctx, "lan", Viewer, Scope{All: true}, "another-password", "test"); !errors.Is(err, ErrExists) {
		t.Fatalf("second lan: %v", err)
	}
	login := func(name, pw, addr string) (string, error) {
		u, err := s.Authenticate(ctx, name, pw, addr)
		if err != nil {
			return "", err
		}
		v, _, err := s.StartSession(ctx, u, addr)
		return v, err
	}
	t.Run("unknown user and wrong password fail alike", func(t *testing.T) {
		_, e1 := login("nobody", "lan-password-1", "10.0.0.9")
		_, e2 := login("lan", "wrong-password", "10.0.0.9")
		if !errors.Is(e1, ErrUnauthenticated) || !errors.Is(e2, ErrUnauthenticated) || e1.Error() != e2.Error() {
			t.Errorf("errors differ: %v / %v", e1, e2)
		}
	})
	v1, err := login("lan", "lan-password-1", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.SessionActor(ctx, v1)
	if err != nil || a.Name != "lan" || a.Role != Operator || a.Kind != KindUser {
		t.Fatalf("session actor %+v %v", a, err)
	}
	t.Run("role changes apply to running sessions", func(t *testing.T) {
		if _, err := d.SetRole(ctx, "lan", Technician, Scope{Programs: []string{"p1"}}); err != nil {
			t.Fatal(err)
		}
		a, err := s.SessionActor(ctx, v1)
		if err != nil || a.Role != Technician {
			t.Fatalf("after role change %+v %v", a, err)
		}
	})
	t.Run("logout ends the session on the server", func(t *testing.T) {
		v, _ := login("lan", "lan-password-1", "10.0.0.1")
		a, _ := s.SessionActor(ctx, v)
		if err := s.Logout(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionActor(ctx, v); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("logged-out cookie: %v", err)
		}
	})
	t.Run("a password change ends the other sessions", func(t *testing.T) {
		other, _ := login("lan", "lan-password-1", "10.0.0.2")
		a, _ := s.SessionActor(ctx, v1)
		nv, _, err := s.ChangePassword(ctx, a, "lan-password-1", "lan-password-2", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"other": other, "old own": v1} {
			if _, err := s.SessionActor(ctx, v); !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("%s session after password change: %v", name, err)
			}
		}
		if _, err := s.SessionActor(ctx, nv); err != nil {
			t.Errorf("new session: %v", err)
		}
		v1 = nv
	})
	t.Run("absolute timeout", func(t *testing.T) {
		v, _ := login("lan", "lan-password-2", "10.0.0.1")
		c.t = c.t.Add(2*time.Hour + time.Second)
		defer func() { c.t = c.t.Add(-2*time.Hour - time.Second) }()
		if _, err := s.SessionActor(ctx, v); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("session past its absolute timeout: %v", err)
		}
	})
	t.Run("disabling ends sessions", func(t *testing.T) {
		if _, err := d.SetDisabled(ctx, "lan", true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionActor(ctx, v1); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("disabled user's session: %v", err)
		}
		if _, err := login("lan", "lan-password-2", "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("disabled user logs in: %v", err)
		}
		_, _ = d.SetDisabled(ctx, "lan", false)
	})
}

func TestIdleTimeout(t *testing.T) {
	d := directory(t)
	rdb, prefix := testenv.Redis(t)
	s, err := NewService(ServiceOptions{Directory: d, Redis: rdb, Prefix: prefix, SessionIdle: 300 * time.Millisecond,
		SessionAbsolute: time.Hour, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := d.AddUser(ctx, "minh", Viewer, Scope{All: true}, "minh-password", "t")
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := s.StartSession(ctx, u, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // use keeps it alive past the idle timeout
		time.Sleep(150 * time.Millisecond)
		if _, err := s.SessionActor(ctx, v); err != nil {
			t.Fatalf("session in use ended: %v", err)
		}
	}
	testenv.Eventually(t, 3*time.Second, func() error {
		if n := rdb.Exists(ctx, s.sess.key(hashCookie(v))).Val(); n != 0 {
			return errors.New("idle session still there")
		}
		return nil
	})
}

func TestFailedLoginsAreLimited(t *testing.T) {
	d := directory(t)
	c := &clock{t: time.Now()}
	s := service(t, d, c) // 3 per user, 5 per address
	ctx := context.Background()
	for _, n := range []string{"lan", "minh"} {
		if _, err := d.AddUser(ctx, n, Viewer, Scope{All: true}, n+"-password", "t"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, err := s.Authenticate(ctx, "lan", "wrong", "10.0.0.1"); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	for _, tc := range []struct {
		name, user, pw, addr string
		want                 error
	}{
		{"the user is locked, even with the right password", "lan", "lan-password", "10.0.0.7", ErrRateLimited},
		{"another user from the same address still works", "minh", "minh-password", "10.0.0.1", nil},
		{"an unknown user is counted like any other", "ghost", "x", "10.0.0.1", ErrUnauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Authenticate(ctx, tc.user, tc.pw, tc.addr); !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
		})
	}
	// The address has used 4 of 5: one more failure locks it for everyone.
	_, _ = s.Authenticate(ctx, "ghost2", "x", "10.0.0.1")
	if _, err := s.Authenticate(ctx, "minh", "minh-password", "10.0.0.1"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("locked address: %v", err)
	}
	if _, err := s.Authenticate(ctx, "minh", "minh-password", "10.0.0.2"); err != nil {
		t.Errorf("minh from elsewhere: %v", err)
	}
}

func TestDecide(t *testing.T) {
	op := &Actor{Kind: KindUser, Name: "lan", Role: Operator, Scope: Scope{Programs: []string{"p1"}, Cameras: []string{"c9"}}}
	admin := &Actor{Kind: KindUser, Name: "root", Role: Admin}
	for _, tc := range []struct {
		name string
		a    *Actor
		p    Permission
		obj  *Object
		want Decision
	}{
		{"nobody", nil, CamerasRead, nil, Forbidden},
		{"open needs nobody", nil, Open, nil, Allow},
		{"role has it", op, AlertsHandle, nil, Allow},
		{"role lacks it", op, SilencesWrite, nil, Forbidden},
		{"in program", op, CamerasRead, &Object{Camera: "c1", Program: "p1"}, Allow},
		{"named camera", op, CamerasRead, &Object{Camera: "c9", Program: "p7"}, Allow},
		{"other program", op, CamerasRead, &Object{Camera: "c2", Program: "p2"}, Hidden},
		{"nothing named", op, CamerasRead, &Object{}, Hidden},
		{"admin sees all", admin, CamerasRead, &Object{Program: "p2"}, Allow},
		{"metrics is for the metrics token only", admin, MetricsRead, nil, Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.a, tc.p, tc.obj); got != tc.want {
				t.Errorf("Decide = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPolicyLimits(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tech := &Actor{Role: Technician}
	admin := &Actor{Role: Admin}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"technician silences a day", CheckSilence(tech, now, now.Add(24*time.Hour), now)},
		{"admin silences a year", CheckSilence(admin, now, now.Add(365*24*time.Hour), now)},
		{"technician backdates 10 minutes", CheckMaintenance(tech, now.Add(-10*time.Minute), now, "pole")},
		{"admin backdates two days", CheckMaintenance(admin, now.Add(-48*time.Hour), now, "storm")},
	} {
		if tc.err != nil {
			t.Errorf("%s: %v", tc.name, tc.err)
		}
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"technician silences 25 hours", CheckSilence(tech, now, now.Add(25*time.Hour), now)},
		{"technician backdates two days", CheckMaintenance(tech, now.Add(-48*time.Hour), now, "storm")},
		{"no reason", CheckMaintenance(admin, now, now, "")},
	} {
		if !errors.Is(tc.err, ErrPolicy) {
			t.Errorf("%s: %v, want ErrPolicy", tc.name, tc.err)
		}
	}
}

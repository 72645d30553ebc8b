package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/testenv"
)

// TestUsersAndTokensThroughTheAPI: an admin manages accounts and tokens
// over HTTP as the console does; each change is in the audit log under
// the admin's name, a made password and a token's secret appear once (in
// the answer that made them) and in no list, a disabled user's session
// ends, and the last active admin cannot be locked out.
func TestUsersAndTokensThroughTheAPI(t *testing.T) {
	w := newWorld(t)
	admin := w.tokens[auth.Admin]
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	post := func(token, cookie, path, body string) (int, string) {
		t.Helper()
		code, b, _ := w.call(call{method: "POST", path: path, body: body, token: token, cookie: cookie, ctype: "application/json", origin: w.srv.URL})
		return code, b
	}

	var made struct {
		User     userView
		Password string
	}
	t.Run("an admin creates a user; the made password is shown once and works", func(t *testing.T) {
		code, body := post(admin, "", "/api/v1/users", `{"name":"lan","role":"operator","scope":{"programs":["pa"]}}`)
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &made); err != nil || made.Password == "" || made.User.Role != auth.Operator {
			t.Fatalf("answer %s: %v", body, err)
		}
		w.login("lan", made.Password)
		_, list := w.do(admin, mreq{"GET", "/api/v1/users", ""})
		if !strings.Contains(list, `"name":"lan"`) || strings.Contains(list, made.Password) || strings.Contains(list, "argon2") || strings.Contains(list, `"hash"`) {
			t.Errorf("the user list shows the password or its hash, or not the user: %s", trim(list))
		}
		recs, err := w.log.Query(context.Background(), audit.Query{Action: "user.add", Object: "user:lan"})
		if err != nil || len(recs) != 2 || recs[0].Actor.Name != "matrix-admin" || recs[0].Result != audit.OK || recs[1].Result != audit.Allowed {
			t.Errorf("audit of user.add: %+v %v", recs, err)
		}
		for _, r := range recs {
			if strings.Contains(js(r), made.Password) {
				t.Errorf("the audit record holds the password: %s", js(r))
			}
		}
	})

	t.Run("bad input is refused with what is wrong, and changes nothing", func(t *testing.T) {
		for _, c := range []struct{ name, body, want string }{
			{"unknown role", `{"name":"x1","role":"boss","scope":{"all":true}}`, "role"},
			{"name with capitals", `{"name":"Lan","role":"viewer","scope":{"all":true}}`, "name"},
			{"no scope below admin", `{"name":"x2","role":"viewer","scope":{}}`, "scope"},
			{"a program nobody configured", `{"name":"x3","role":"viewer","scope":{"programs":["pa-typo"]}}`, `program \"pa-typo\"`},
			{"a short password", `{"name":"x4","role":"viewer","scope":{"all":true},"password":"short"}`, "password"},
			{"an unknown field", `{"name":"x5","role":"viewer","scope":{"all":true},"admin":true}`, "unknown field"},
			{"the same name twice", `{"name":"lan","role":"viewer","scope":{"all":true}}`, "exists"},
		} {
			code, body := post(admin, "", "/api/v1/users", c.body)
			if code/100 != 4 || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %s, want 4xx naming %s", c.name, code, body, c.want)
			}
		}
		if code, body := post(admin, "", "/api/v1/tokens", `{"name":"t","role":"viewer","scope":{"all":true},"expires_in_days":401}`); code != http.StatusBadRequest || !strings.Contains(body, "expires_in_days") {
			t.Errorf("a 401-day token: %d %s", code, body)
		}
		if code, _ := post(admin, "", "/api/v1/users/nobody/disable", ""); code != http.StatusNotFound {
			t.Errorf("disable an unknown user: %d, want 404", code)
		}
	})

	t.Run("role changes apply to the open session; disabling ends it", func(t *testing.T) {
		cookie := w.login("lan", made.Password)
		if code, body := post(admin, "", "/api/v1/users/lan/role", `{"role":"viewer","scope":{"wards":["w-pa"]}}`); code != http.StatusOK {
			t.Fatalf("role: %d %s", code, body)
		}
		_, who, _ := w.call(call{method: "GET", path: "/api/v1/session", cookie: cookie})
		if !strings.Contains(who, `"role":"viewer"`) || !strings.Contains(who, `"w-pa"`) {
			t.Errorf("the session after the role change: %s", who)
		}
		if code, body := post(admin, "", "/api/v1/users/lan/disable", ""); code != http.StatusOK || !strings.Contains(body, `"disabled":true`) {
			t.Fatalf("disable: %d %s", code, body)
		}
		if code, _, _ := w.call(call{method: "GET", path: "/api/v1/session", cookie: cookie}); code != http.StatusUnauthorized {
			t.Errorf("the disabled user's session: %d, want 401", code)
		}
		if code, body := post(admin, "", "/api/v1/users/lan/enable", ""); code != http.StatusOK {
			t.Fatalf("enable: %d %s", code, body)
		}
		code, body := post(admin, "", "/api/v1/users/lan/password", `{}`)
		var reset struct{ Password string }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &reset) != nil || reset.Password == "" || reset.Password == made.Password {
			t.Fatalf("reset: %d %s", code, body)
		}
		w.login("lan", reset.Password)
		for _, action := range []string{"user.role", "user.disable", "user.enable", "user.password"} {
			recs, err := w.log.Query(context.Background(), audit.Query{Action: action, Object: "user:lan"})
			if err != nil || len(recs) < 2 || recs[0].Actor.Name != "matrix-admin" {
				t.Errorf("audit of %s: %+v %v", action, recs, err)
			}
		}
	})

	t.Run("the last active admin cannot be disabled or demoted", func(t *testing.T) {
		ctx := context.Background()
		// The world's admins are tokens; "root" is the only admin user.
		for _, u := range []string{"root"} {
			if _, err := w.dir.AddUser(ctx, u, auth.Admin, auth.Scope{All: true}, "root-password-1", "test"); err != nil {
				t.Fatal(err)
			}
		}
		if code, body := post(admin, "", "/api/v1/users/root/disable", ""); code != http.StatusConflict || !strings.Contains(body, "last active admin") {
			t.Errorf("disable the last admin: %d %s, want 409", code, body)
		}
		if code, body := post(admin, "", "/api/v1/users/root/role", `{"role":"viewer","scope":{"all":true}}`); code != http.StatusConflict {
			t.Errorf("demote the last admin: %d %s, want 409", code, body)
		}
		if _, err := w.dir.AddUser(ctx, "root2", auth.Admin, auth.Scope{All: true}, "root-password-2", "test"); err != nil {
			t.Fatal(err)
		}
		if code, body := post(admin, "", "/api/v1/users/root/disable", ""); code != http.StatusOK {
			t.Errorf("disable an admin while another is active: %d %s", code, body)
		}
		if code, _ := post(admin, "", "/api/v1/users/root2/disable", ""); code != http.StatusConflict {
			t.Errorf("disable the now last admin: %d, want 409", code)
		}
	})

	t.Run("a token is shown once, works, is listed without its secret, and revoked stops at once", func(t *testing.T) {
		code, body := post(admin, "", "/api/v1/tokens", `{"name":"ward-report","role":"viewer","scope":{"wards":["w-pa"]},"expires_in_days":30}`)
		var tok struct {
			Token string
			Info  tokenView
		}
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &tok) != nil || !strings.HasPrefix(tok.Token, auth.TokenPrefix) {
			t.Fatalf("create: %d %s", code, body)
		}
		if d := time.Until(tok.Info.Expires); d < 29*24*time.Hour || d > 31*24*time.Hour || tok.Info.State != "active" || tok.Info.CreatedBy != "token:matrix-admin" {
			t.Errorf("token info %+v", tok.Info)
		}
		if code, _ := w.do(tok.Token, mreq{"GET", "/api/v1/cameras", ""}); code != http.StatusOK {
			t.Errorf("the new token reads cameras: %d", code)
		}
		_, secret, _ := auth.ParseToken(tok.Token)
		_, list := w.do(admin, mreq{"GET", "/api/v1/tokens", ""})
		if !strings.Contains(list, tok.Info.ID) || strings.Contains(list, secret) || strings.Contains(list, `"hash"`) {
			t.Errorf("token list: %s", trim(list))
		}
		code, body = w.do(admin, mreq{"DELETE", "/api/v1/tokens/" + tok.Info.ID, ""})
		if code != http.StatusOK || !strings.Contains(body, `"state":"revoked"`) {
			t.Fatalf("revoke: %d %s", code, body)
		}
		testenv.Eventually(t, 5*time.Second, func() error {
			if code, _ := w.do(tok.Token, mreq{"GET", "/api/v1/cameras", ""}); code != http.StatusUnauthorized {
				return errStatus(code)
			}
			return nil
		})
		recs, err := w.log.Query(context.Background(), audit.Query{Action: "token."})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			seen[r.Action+" "+string(r.Result)] = true
			if strings.Contains(js(r), secret) {
				t.Errorf("the audit log holds the token's secret: %s", js(r))
			}
		}
		for _, want := range []string{"token.create ok", "token.revoke ok"} {
			if !seen[want] {
				t.Errorf("no %q audit record in %v", want, seen)
			}
		}
	})

	t.Run("below admin, the users and tokens routes are refused", func(t *testing.T) {
		for _, role := range []auth.Role{auth.Viewer, auth.Operator, auth.Technician, auth.Investigator} {
			for _, r := range []mreq{{"GET", "/api/v1/users", ""}, {"POST", "/api/v1/users", `{"name":"evil","role":"admin","scope":{"all":true}}`},
				{"GET", "/api/v1/tokens", ""}, {"POST", "/api/v1/tokens", `{"name":"evil","role":"admin","scope":{"all":true}}`}} {
				if code, _ := w.do(w.tokens[role], r); code != http.StatusForbidden {
					t.Errorf("%s %s %s: %d, want 403", role, r.method, r.path, code)
				}
			}
		}
		if _, err := w.dir.User(context.Background(), "evil"); err == nil {
			t.Error("a refused request made a user")
		}
	})
}

type errStatus int

func (e errStatus) Error() string { return http.StatusText(int(e)) }

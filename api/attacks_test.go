package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/testenv"
)

// call is one request of an attack: a bearer token or a session cookie,
// and the headers a browser (or an attacker) would send.
type call struct {
	method, path, body string
	token, cookie      string
	ctype, origin      string
	host, site         string
	remote             string
}

func (w *world) call(c call) (int, string, *http.Response) {
	w.t.Helper()
	req, _ := http.NewRequest(c.method, w.srv.URL+c.path, strings.NewReader(c.body))
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "camwatch_session", Value: c.cookie})
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.site != "" {
		req.Header.Set("Sec-Fetch-Site", c.site)
	}
	if c.host != "" {
		req.Host = c.host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 64<<10)
	n, _ := resp.Body.Read(buf)
	sb.Write(buf[:n])
	return resp.StatusCode, sb.String(), resp
}

// login signs a user in as the console does and returns the cookie.
func (w *world) login(name, password string) string {
	w.t.Helper()
	code, body, resp := w.call(call{method: "POST", path: "/api/v1/session", body: `{"user":"` + name + `","password":"` + password + `"}`,
		ctype: "application/json", origin: w.srv.URL})
	if code != http.StatusOK {
		w.t.Fatalf("login %s: %d %s", name, code, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "camwatch_session" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				w.t.Errorf("session cookie flags: %+v", c)
			}
			return c.Value
		}
	}
	w.t.Fatal("no session cookie")
	return ""
}

func (w *world) firing(key string) bool {
	a, err := w.e.r.Get(context.Background(), key)
	return err == nil && a.State == alerts.StateFiring && a.Ack == nil
}

// TestAttacks is the list of bad input and attacks, each a named
// case against the real API (see also TestPermissionMatrix).
func TestAttacks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.dir.AddUser(ctx, "lan", auth.Operator, scopeA, "lan-password-1", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.dir.AddUser(ctx, "minh", auth.Viewer, auth.Scope{All: true}, "minh-password-1", "test"); err != nil {
		t.Fatal(err)
	}
	opCookie := w.login("lan", "lan-password-1")
	victim := w.alertKey(true)
	ackPath := "/api/v1/alerts/" + url.PathEscape(victim) + "/ack"
	expiring, _, _ := w.dir.CreateToken(ctx, "short", auth.Operator, scopeA, time.Second, "test")
	revoked, rt, _ := w.dir.CreateToken(ctx, "revoked", auth.Operator, scopeA, time.Hour, "test")
	if _, err := w.dir.RevokeToken(ctx, rt.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the short token expires

	for _, tc := range []struct {
		name string
		c    call
		want int
	}{
		{"no credentials", call{method: "GET", path: "/api/v1/cameras"}, 401},
		{"expired token", call{method: "GET", path: "/api/v1/cameras", token: expiring}, 401},
		{"revoked token", call{method: "GET", path: "/api/v1/cameras", token: revoked}, 401},
		{"malformed token", call{method: "GET", path: "/api/v1/cameras", token: "cwt_not-a-token"}, 401},
		{"a password as a token", call{method: "GET", path: "/api/v1/cameras", token: "lan-password-1"}, 401},
		{"cross-site form POST with the operator's cookie", call{method: "POST", path: ackPath, body: "note=pwned", cookie: opCookie,
			ctype: "application/x-www-form-urlencoded", origin: "https://evil.example"}, 415},
		{"text/plain POST with a foreign Origin", call{method: "POST", path: ackPath, body: `{"note":"pwned"}`, cookie: opCookie,
			ctype: "text/plain", origin: "https://evil.example"}, 415},
		{"JSON POST with a foreign Origin", call{method: "POST", path: ackPath, body: `{}`, cookie: opCookie,
			ctype: "application/json", origin: "https://evil.example"}, 403},
		{"JSON POST with the cookie and no Origin", call{method: "POST", path: ackPath, body: `{}`, cookie: opCookie, ctype: "application/json"}, 403},
		{"JSON POST with the cookie, Sec-Fetch-Site cross-site", call{method: "POST", path: ackPath, body: `{}`, cookie: opCookie,
			ctype: "application/json", site: "cross-site"}, 403},
		{"foreign Host (DNS rebinding)", call{method: "GET", path: "/api/v1/cameras", token: w.tokens[auth.Admin], host: "evil.example:8080"}, 421},
		{"foreign Host on a change", call{method: "POST", path: ackPath, body: `{}`, cookie: opCookie, ctype: "application/json",
			origin: "http://evil.example:8080", host: "evil.example:8080"}, 421},
		{"JSON body with trailing data", call{method: "POST", path: ackPath, body: `{"note":"a"}{"note":"b"}`, token: w.tokens[auth.Operator],
			ctype: "application/json"}, 400},
		{"backdated maintenance by a technician", call{method: "POST", path: "/api/v1/maintenance", token: w.tokens[auth.Technician], ctype: "application/json",
			body: `{"program":"pa","start":"` + time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339) + `","end":"` + future() + `","note":"erase the outage"}`}, 403},
		{"a day-long silence by a technician", call{method: "POST", path: "/api/v1/silences", token: w.tokens[auth.Technician], ctype: "application/json",
			body: `{"program":"pa","end":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`}, 403},
		{"a silence of everything by a technician", call{method: "POST", path: "/api/v1/silences", token: w.tokens[auth.Technician], ctype: "application/json",
			body: `{"end":"` + future() + `"}`}, 404},
		{"an ack naming someone else as by", call{method: "POST", path: ackPath, token: w.tokens[auth.Operator], ctype: "application/json",
			body: `{"by":"police-chief"}`}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body, _ := w.call(tc.c); code != tc.want {
				t.Errorf("status %d %s, want %d", code, trim(body), tc.want)
			}
		})
	}
	t.Run("none of it acknowledged the alert", func(t *testing.T) {
		if !w.firing(victim) {
			t.Errorf("alert %s changed", victim)
		}
	})

	t.Run("the operator's own browser request works", func(t *testing.T) {
		code, body, _ := w.call(call{method: "POST", path: ackPath, body: `{"note":"on my way"}`, cookie: opCookie, ctype: "application/json", origin: w.srv.URL})
		if code != 200 || !strings.Contains(body, `"by":"lan"`) {
			t.Fatalf("ack: %d %s", code, body)
		}
		code, _, _ = w.call(call{method: "POST", path: "/api/v1/alerts/" + url.PathEscape(w.alertKey(true)) + "/ack", body: `{}`, cookie: opCookie,
			ctype: "application/json", site: "same-origin"})
		if code != 200 {
			t.Errorf("ack with Sec-Fetch-Site same-origin: %d", code)
		}
	})

	t.Run("a session cookie from a logged-out session", func(t *testing.T) {
		c := w.login("lan", "lan-password-1")
		if code, _, _ := w.call(call{method: "DELETE", path: "/api/v1/session", cookie: c, origin: w.srv.URL}); code != 204 {
			t.Fatalf("logout %d", code)
		}
		if code, _, _ := w.call(call{method: "GET", path: "/api/v1/cameras", cookie: c}); code != 401 {
			t.Errorf("logged-out cookie: %d, want 401", code)
		}
	})

	t.Run("a password change ends the other sessions", func(t *testing.T) {
		if _, err := w.dir.AddUser(ctx, "hoa", auth.Technician, scopeA, "hoa-password-1", "test"); err != nil {
			t.Fatal(err)
		}
		phone, desk := w.login("hoa", "hoa-password-1"), w.login("hoa", "hoa-password-1")
		code, body, resp := w.call(call{method: "POST", path: "/api/v1/session/password", cookie: desk, origin: w.srv.URL,
			ctype: "application/json", body: `{"old":"hoa-password-1","new":"hoa-password-2"}`})
		if code != 200 {
			t.Fatalf("change: %d %s", code, body)
		}
		var fresh string
		for _, c := range resp.Cookies() {
			if c.Name == "camwatch_session" {
				fresh = c.Value
			}
		}
		for name, c := range map[string]string{"the phone's": phone, "the desk's old": desk} {
			if code, _, _ := w.call(call{method: "GET", path: "/api/v1/session", cookie: c}); code != 401 {
				t.Errorf("%s session after the change: %d, want 401", name, code)
			}
		}
		if code, _, _ := w.call(call{method: "GET", path: "/api/v1/session", cookie: fresh}); code != 200 {
			t.Errorf("the new cookie: %d", code)
		}
		code, _, _ = w.call(call{method: "POST", path: "/api/v1/session/password", cookie: fresh, origin: w.srv.URL,
			ctype: "application/json", body: `{"old":"wrong-password","new":"hoa-password-3"}`})
		if code != 403 {
			t.Errorf("change with a wrong old password: %d, want 403", code)
		}
	})

	t.Run("a viewer calling every write route", func(t *testing.T) {
		s := &server{o: Options{}}
		for _, rt := range s.routes() {
			method, _, _ := strings.Cut(rt.pattern, " ")
			if !unsafeMethod(method) || rt.perm == auth.Open || rt.perm == auth.Signed {
				continue
			}
			r := matrixCases[rt.pattern].req(w, true)
			code, body, _ := w.call(call{method: r.method, path: r.path, body: r.body, token: w.tokens[auth.Viewer], ctype: "application/json"})
			if code != http.StatusForbidden {
				t.Errorf("%s: %d %s, want 403", rt.pattern, code, trim(body))
			}
		}
	})

	t.Run("an operator of pa reads nothing of pb", func(t *testing.T) {
		op := w.tokens[auth.Operator]
		for _, c := range []struct{ name, path string }{
			{"camera", "/api/v1/cameras/pb-1"},
			{"snapshot", "/api/v1/events/" + w.snap["pb-1"] + "/snapshot"},
			{"events", "/api/v1/cameras/pb-1/events"},
			{"alert", "/api/v1/alerts/" + url.PathEscape(w.alertB)},
			{"uptime group", "/api/v1/uptime/scorecard?program=pb&window=24h"},
		} {
			if code, body, _ := w.call(call{method: "GET", path: c.path, token: op}); code != 404 {
				t.Errorf("%s: %d %s, want 404", c.name, code, trim(body))
			}
		}
		if code, body := w.do(op, mreq{"GET", "/api/v1/alerts/stream", ""}); code != 200 || strings.Contains(body, "pb-1") || !strings.Contains(body, "pa-6") {
			t.Errorf("SSE feed: %d, pb-1 in it %v, pa-6 in it %v", code, strings.Contains(body, "pb-1"), strings.Contains(body, "pa-6"))
		}
		_, body, _ := w.call(call{method: "GET", path: "/api/v1/uptime?group=program&window=24h", token: op})
		if strings.Contains(body, `"pb"`) || !strings.Contains(body, `"pa"`) {
			t.Errorf("uptime groups: %s", trim(body))
		}
	})

	t.Run("10000 failed logins", func(t *testing.T) {
		h := w.srv.Config.Handler
		counts := map[int]int{}
		start := time.Now()
		for i := range 10000 {
			req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(`{"user":"lan","password":"guess-`+fmt.Sprint(i)+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr, req.Host = "203.0.113.9:4000", "127.0.0.1:8080"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			counts[rec.Code]++
		}
		t.Logf("10000 failed logins in %s: %v", time.Since(start).Round(time.Millisecond), counts)
		if counts[401] > 5 || counts[429] < 9995 || counts[200] != 0 {
			t.Errorf("answers %v: want at most 5 password checks, the rest rate-limited", counts)
		}
		req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(`{"user":"minh","password":"minh-password-1"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr, req.Host = "198.51.100.2:5000", "127.0.0.1:8080"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("another user from another address: %d %s", rec.Code, rec.Body.String())
		}
		if code, _, _ := w.call(call{method: "GET", path: "/api/v1/cameras", token: w.tokens[auth.Viewer]}); code != 200 {
			t.Errorf("the API during the attack: %d", code)
		}
	})

	t.Run("the audit log records who did what", func(t *testing.T) {
		testenv.Eventually(t, 5*time.Second, func() error {
			recs, err := w.log.Query(ctx, audit.Query{Actor: "lan", Action: "alert.ack"})
			if err != nil {
				return err
			}
			if len(recs) < 2 || recs[0].Actor.Role != "operator" || recs[0].Addr == "" {
				return fmt.Errorf("lan's ack records %+v", recs)
			}
			return nil
		})
		code, body, _ := w.call(call{method: "GET", path: "/api/v1/audit?action=session.", cookie: opCookie})
		if code != 200 || !strings.Contains(body, `"session.login"`) || strings.Contains(body, `"name":"minh"`) {
			t.Errorf("lan's own audit records: %d %s", code, trim(body))
		}
	})

	t.Run("the audit stream unavailable during an ack", func(t *testing.T) {
		key := w.alertKey(true)
		if err := w.e.js.DeleteStream(ctx, audit.DefaultStream); err != nil {
			t.Fatal(err)
		}
		code, body, _ := w.call(call{method: "POST", path: "/api/v1/alerts/" + url.PathEscape(key) + "/ack", body: `{}`, token: w.tokens[auth.Operator], ctype: "application/json"})
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "audit") {
			t.Errorf("ack without an audit log: %d %s, want 503 naming the audit log", code, body)
		}
		if !w.firing(key) {
			t.Errorf("the alert was acknowledged although its audit record was not stored")
		}
		if code, _, _ := w.call(call{method: "GET", path: "/api/v1/events/" + w.snap["pa-1"] + "/snapshot", token: w.tokens[auth.Operator]}); code != 503 {
			t.Errorf("snapshot view without an audit log: %d, want 503", code)
		}
		if _, err := audit.EnsureStream(ctx, w.e.js, audit.Options{}); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
}

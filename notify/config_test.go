package notify

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
)

func setExampleEnv(t *testing.T) {
	for k, v := range map[string]string{
		"NOTIFY_BEN_NGHE_SECRET":   "bn-secret",
		"NOTIFY_HEM42_URL":         "https://bot.example.vn/hook/tok123",
		"NOTIFY_HEM42_SECRET":      "h42-secret",
		"NOTIFY_TDP7_SECRET":       "tdp7-secret",
		"NOTIFY_OPS_SECRET":        "ops-secret",
		"NOTIFY_OPS_AUTHORIZATION": "Bearer ops-token",
	} {
		t.Setenv(k, v)
	}
}

// The shipped example parses, and names every receiver the shipped alert
// rules use.
func TestExampleReceivers(t *testing.T) {
	setExampleEnv(t)
	data, err := configs.Examples.ReadFile("receivers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f File
	if err := configs.Parse(data, &f); err != nil {
		t.Fatalf("example does not parse: %v", err)
	}
	names := map[string]*Receiver{}
	for i := range f.Receivers {
		names[f.Receivers[i].Name] = &f.Receivers[i]
	}
	rules, err := alerts.LoadFile(filepath.Join("..", "configs", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		want := slices.Clone(r.Receivers)
		if r.Escalation != nil {
			want = append(want, r.Escalation.Receiver)
		}
		for _, n := range want {
			if names[n] == nil {
				t.Errorf("rule %s names receiver %q, which receivers.yaml lacks", r.ID, n)
			}
		}
	}
	ops := names["camwatch-ops"]
	if ops == nil || ops.SecretHeaders["Authorization"].Reveal() != "Bearer ops-token" || ops.MaxAge != 24*time.Hour || ops.Timeout != 5*time.Second {
		t.Errorf("camwatch-ops = %+v", ops)
	}
	tech := names["ben-nghe-technician"]
	if tech == nil || !slices.Equal(tech.Kinds, AllKinds) || tech.MaxAge != DefaultMaxAge || tech.Secret.Reveal() != "bn-secret" {
		t.Errorf("defaults not filled: %+v", tech)
	}
	if h := names["hem42-landlord"]; h == nil || h.URL != "https://bot.example.vn/hook/tok123" {
		t.Errorf("url_env not resolved: %+v", h)
	}
}

func TestReceiverErrorsNameTheField(t *testing.T) {
	t.Setenv("S", "secret")
	t.Setenv("TOK", "Bearer x")
	ok := "  - {name: a, url: 'https://h/x', secret_env: S"
	t.Setenv("PW", "smtp-pw")
	t.Setenv("BOT", "123456789:AAHk-test_token_for_camwatch_0123456")
	t.Setenv("NOTBOT", "not-a-token")
	mail := "  - {name: m, type: email, email: {host: smtp.h, from: 'a@h', to: ['b@h']"
	tg := "  - {name: g, type: telegram, telegram: {token_env: BOT, chat_id: '-100123'"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "receivers:\n" + ok + ", retries: 3}\n", "field retries not found"},
		{"bad name", "receivers:\n  - {name: 'a b', url: 'https://h/x', secret_env: S}\n", "receivers[0].name:"},
		{"duplicate name", "receivers:\n" + ok + "}\n" + ok + "}\n", "receivers[1].name: \"a\" is already"},
		{"no url", "receivers:\n  - {name: a, secret_env: S}\n", "receivers[0].url: is required"},
		{"url and url_env", "receivers:\n" + ok + ", url_env: S}\n", "receivers[0].url: set url or url_env"},
		{"not http", "receivers:\n  - {name: a, url: 'ftp://h/x', secret_env: S}\n", "receivers[0].url: must be an http"},
		{"credentials in url", "receivers:\n  - {name: a, url: 'https://u:pw@h/x', secret_env: S}\n", "receivers[0].url: must not carry credentials"},
		{"url_env unset", "receivers:\n  - {name: a, url_env: NOPE_UNSET, secret_env: S}\n", "receivers[0].url_env: environment variable NOPE_UNSET is not set"},
		{"no secret", "receivers:\n  - {name: a, url: 'https://h/x'}\n", "receivers[0].secret_env: is required"},
		{"secret unset", "receivers:\n  - {name: a, url: 'https://h/x', secret_env: NOPE_UNSET}\n", "receivers[0].secret_env: environment variable NOPE_UNSET"},
		{"negative timeout", "receivers:\n" + ok + ", timeout: -1s}\n", "receivers[0].timeout: must be positive"},
		{"negative max_age", "receivers:\n" + ok + ", max_age: -1h}\n", "receivers[0].max_age: must be positive"},
		{"bad kind", "receivers:\n" + ok + ", kinds: [firing, fired]}\n", "receivers[0].kinds[1]: \"fired\" is not one of"},
		{"kind twice", "receivers:\n" + ok + ", kinds: [resolved, resolved]}\n", "receivers[0].kinds[1]: \"resolved\" is listed twice"},
		{"reserved header", "receivers:\n" + ok + ", headers: {X-Camwatch-Signature: x}}\n", "receivers[0].headers.X-Camwatch-Signature: X-Camwatch-Signature is set by camwatch"},
		{"bad header name", "receivers:\n" + ok + ", headers: {'a b': x}}\n", "receivers[0].headers.a b: \"a b\" is not a valid header name"},
		{"header line break", "receivers:\n" + ok + ", headers: {X-A: \"x\\r\\nEvil: 1\"}}\n", "receivers[0].headers.X-A: must not contain a line break"},
		{"header env unset", "receivers:\n" + ok + ", headers_env: {Authorization: NOPE_UNSET}}\n", "receivers[0].headers_env.Authorization: environment variable NOPE_UNSET"},
		{"unknown type", "receivers:\n  - {name: a, type: sms}\n", `receivers[0].type: "sms" is not one of webhook, email, telegram`},
		{"bad lang", "receivers:\n" + mail + "}, lang: fr}\n", `receivers[0].lang: "fr" is not vi or en`},
		{"email without section", "receivers:\n  - {name: m, type: email}\n", "receivers[0].email: is required for type email"},
		{"email with a url", "receivers:\n" + mail + "}, url: 'https://h/x'}\n", "receivers[0].type: is email: url, url_env, secret_env and headers are for webhooks"},
		{"email without host", "receivers:\n  - {name: m, type: email, email: {from: 'a@h', to: ['b@h']}}\n", `receivers[0].email.host: "" is not a host`},
		{"email bad port", "receivers:\n" + mail + ", port: 70000}}\n", "receivers[0].email.port: must be 1 to 65535"},
		{"email bad from", "receivers:\n  - {name: m, type: email, email: {host: h, from: 'nobody', to: ['b@h']}}\n", `receivers[0].email.from: "nobody" is not an email address`},
		{"email no to", "receivers:\n  - {name: m, type: email, email: {host: h, from: 'a@h'}}\n", "receivers[0].email.to: at least one recipient"},
		{"email bad to", "receivers:\n  - {name: m, type: email, email: {host: h, from: 'a@h', to: ['b@h', 'x']}}\n", `receivers[0].email.to[1]: "x" is not an email address`},
		{"email user without password", "receivers:\n" + mail + ", username: u}}\n", "receivers[0].email.username: username and password_env go together"},
		{"email password unset", "receivers:\n" + mail + ", username: u, password_env: NOPE_UNSET}}\n", "receivers[0].email.password_env: environment variable NOPE_UNSET is not set"},
		{"email with telegram", "receivers:\n" + mail + "}, telegram: {chat_id: '1'}}\n", "receivers[0].telegram: is for type telegram"},
		{"bad template", "receivers:\n" + mail + "}, template: {subject: '{{.Nope'}}\n", "receivers[0].template.subject:"},
		{"template field unknown", "receivers:\n" + mail + "}, template: {text: '{{.Nope}}'}}\n", "receivers[0].template: "},
		{"template on a webhook", "receivers:\n" + ok + ", template: {text: x}}\n", "receivers[0].template: is for email and telegram"},
		{"telegram without token", "receivers:\n  - {name: g, type: telegram, telegram: {chat_id: '1'}}\n", "receivers[0].telegram.token_env: is required"},
		{"telegram token unset", "receivers:\n  - {name: g, type: telegram, telegram: {token_env: NOPE_UNSET, chat_id: '1'}}\n", "receivers[0].telegram.token_env: environment variable NOPE_UNSET"},
		{"telegram not a token", "receivers:\n  - {name: g, type: telegram, telegram: {token_env: NOTBOT, chat_id: '1'}}\n", "receivers[0].telegram.token_env: environment variable NOTBOT does not hold a bot token"},
		{"telegram bad chat", "receivers:\n  - {name: g, type: telegram, telegram: {token_env: BOT, chat_id: 'my group'}}\n", `receivers[0].telegram.chat_id: "my group" is not a chat id`},
		{"telegram api with credentials", "receivers:\n" + tg + ", api_url: 'https://u:p@h'}}\n", "receivers[0].telegram.api_url: must be an http(s) URL without credentials"},
		{"telegram with email", "receivers:\n" + tg + "}, email: {host: h}}\n", "receivers[0].email: is for type email"},
		{"header in both", "receivers:\n" + ok + ", headers: {Authorization: x}, headers_env: {Authorization: TOK}}\n", "receivers[0].headers_env.Authorization: is also in headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f File
			err := configs.Parse([]byte(tc.yaml), &f)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !errors.Is(err, configs.ErrInvalid) {
				t.Errorf("error %v does not wrap configs.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), os.Getenv("S")+"\"") {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"a/firing"}`)
	sig := Sign([]byte("k1"), body)
	for _, tc := range []struct {
		name   string
		secret string
		body   []byte
		header string
		ok     bool
	}{
		{"right secret", "k1", body, sig, true},
		{"other secret", "k2", body, sig, false},
		{"changed body", "k1", []byte(`{"id":"b/firing"}`), sig, false},
		{"no prefix", "k1", body, strings.TrimPrefix(sig, "sha256="), false},
		{"not hex", "k1", body, "sha256=zz", false},
		{"empty", "k1", body, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify([]byte(tc.secret), tc.body, tc.header)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBadSignature) {
				t.Errorf("error %v is not ErrBadSignature", err)
			}
		})
	}
}

func TestBackoffSteps(t *testing.T) {
	steps := []time.Duration{time.Second, 2 * time.Second, 60 * time.Second}
	for _, tc := range []struct {
		name string
		n    uint64
		want time.Duration
	}{
		{"zero is first", 0, time.Second},
		{"first", 1, time.Second},
		{"second", 2, 2 * time.Second},
		{"cap", 3, time.Minute},
		{"past cap", 1000, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 100 {
				d := delay(steps, tc.n)
				if d < tc.want*8/10 || d > tc.want*12/10 {
					t.Fatalf("delay(%d) = %s, want %s +-20%%", tc.n, d, tc.want)
				}
			}
		})
	}
	if d := delay(nil, 1); d < 800*time.Millisecond || d > 1200*time.Millisecond {
		t.Errorf("default first delay %s", d)
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "7", 7 * time.Second},
		{"capped", "86400", maxRetryAfter},
		{"negative", "-3", 0},
		{"http date ignored", "Wed, 21 Oct 2015 07:28:00 GMT", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header); got != tc.want {
				t.Errorf("retryAfter(%q) = %s, want %s", tc.header, got, tc.want)
			}
		})
	}
}

// A file validated by configs.Load validates again in Start (url_env is
// not then "url and url_env both set"), and still refuses a file that
// really sets both.
func TestValidateTwice(t *testing.T) {
	setExampleEnv(t)
	data, err := configs.Examples.ReadFile("receivers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f File
	if err := configs.Parse(data, &f); err != nil {
		t.Fatal(err)
	}
	again := File{Receivers: slices.Clone(f.Receivers)}
	if err := again.Validate(); err != nil {
		t.Fatalf("second validation: %v", err)
	}
	both := File{Receivers: []Receiver{{Name: "x", URL: "https://a.example/x", URLEnv: "NOTIFY_HEM42_URL", SecretEnv: "NOTIFY_OPS_SECRET"}}}
	if err := both.Validate(); err == nil || !strings.Contains(err.Error(), "receivers[0].url") {
		t.Fatalf("url and url_env both set: %v", err)
	}
}

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/signing"
)

// FuzzDecodeTransition: a message on the alerts stream never panics the
// notifier's decoding, its subject check or its signature check, and an
// accepted one has what delivery needs. Seeds: testdata/fuzz.
func FuzzDecodeTransition(f *testing.F) {
	tr := alerts.Transition{ID: "a1/firing", Kind: alerts.TransitionFiring, At: time.Unix(1e9, 0).UTC(),
		Alert: alerts.Alert{ID: "a1", Site: "q1", Camera: "cam-1"}, Notify: []string{"tech"}}
	good, _ := json.Marshal(tr)
	key, _ := signing.GenerateKey()
	v := signing.NewVerifier(key.Public())
	f.Add(good, key.Sign(good))
	f.Add([]byte(`{"id":"x","kind":"firing","at":"2026-01-01T00:00:00Z","alert":{"site":"a\nb"}}`), "ed25519:00:AA")
	f.Fuzz(func(t *testing.T, data []byte, sig string) {
		_ = v.Verify(data, sig)
		var got alerts.Transition
		if err := decode(data, &got); err != nil {
			return
		}
		if got.ID == "" || got.At.IsZero() {
			t.Fatal("accepted a transition without id or time")
		}
		_ = alerts.Subject(&got)
		if _, err := json.Marshal(&got); err != nil {
			t.Fatalf("accepted transition does not encode: %v", err)
		}
		// Email and chat text is made of the same content, in both
		// languages, with names: it never fails on what decoded.
		for _, lang := range programs.Langs {
			tp, err := parseTemplates("fuzz", lang, nil)
			if err != nil {
				t.Fatal(err)
			}
			m, err := tp.render(&Renderer{Names: testNames}, &got)
			if err != nil {
				t.Fatalf("render %s: %v", lang, err)
			}
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Fatalf("subject with a line break: %q", m.Subject)
			}
		}
	})
}

// FuzzBotAnswer: whatever the Bot API (or something in its place)
// answers, the Telegram sender decides delivered, retry or rejected
// without panicking, and only a 200 with ok:true counts as delivered.
func FuzzBotAnswer(f *testing.F) {
	f.Add(200, []byte(`{"ok":true,"result":{"message_id":1}}`))
	f.Add(429, []byte(`{"ok":false,"error_code":429,"parameters":{"retry_after":99999999999}}`))
	f.Add(400, []byte(`{"ok":false,"description":"Bad Request: chat not found"}`))
	f.Add(200, []byte(`{"ok":false}`))
	f.Add(502, []byte(`<html>`))
	os.Setenv("FUZZ_BOT", "123456789:AAHk-test_token_for_camwatch_0123456")
	r := Receiver{Name: "g", Type: TypeTelegram, Telegram: &Telegram{APIURL: "http://bot.test", TokenEnv: "FUZZ_BOT", ChatID: "-1"}}
	if err := r.validate("fuzz"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		if code < 100 || code > 999 {
			return
		}
		s := &telegramSender{r: &r, render: &Renderer{}, client: &http.Client{Transport: answer{code, body}}}
		out, _, wait, _ := s.send(context.Background(), sampleTransition(), nil)
		if out == delivered && (code != 200 || !strings.Contains(string(body), "true")) {
			t.Fatalf("delivered on %d %q", code, body)
		}
		if wait < 0 || wait > maxRetryAfter {
			t.Fatalf("retry after %s", wait)
		}
	})
}

// answer is a RoundTripper that answers every request with one response.
type answer struct {
	code int
	body []byte
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	return &http.Response{StatusCode: a.code, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// FuzzReceiversFile: the receivers file never panics its strict parse.
func FuzzReceiversFile(f *testing.F) {
	if b, err := os.ReadFile("../configs/receivers.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("receivers:\n  - name: x\n    url: http://127.0.0.1/\n    secret_env: FUZZ_SECRET\n    headers: {X-A: b}\n"))
	f.Add([]byte("receivers:\n  - {name: m, type: email, lang: en, email: {host: smtp.h, port: 587, username: u, password_env: FUZZ_SECRET, from: 'A <a@h>', to: ['b@h']}, template: {subject: '{{.Camera}}'}}\n"))
	f.Add([]byte("receivers:\n  - {name: g, type: telegram, telegram: {api_url: 'http://127.0.0.1:1', token_env: FUZZ_BOT, chat_id: '@camwatch_tdp7'}}\n"))
	os.Setenv("FUZZ_SECRET", "s")
	os.Setenv("FUZZ_BOT", "123456789:AAHk-test_token_for_camwatch_0123456")
	f.Fuzz(func(t *testing.T, data []byte) {
		var file File
		_ = configs.Parse(data, &file)
	})
}

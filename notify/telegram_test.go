package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/testenv"
)

// botAPI is a local stand-in for the Telegram Bot API (the real service
// cannot be reached from here): sendMessage (JSON) and sendPhoto
// (multipart) for one bot token, answering as the real API does. down
// answers 502 Bad Gateway; limited answers 429 with retry_after.
type botAPI struct {
	srv     *httptest.Server
	token   string
	down    atomic.Bool
	limited atomic.Int32 // 429s still to answer
	calls   atomic.Int64
	mu      sync.Mutex
	got     []botMessage
}

type botMessage struct {
	Method, ChatID, Text string
	Photo                []byte
}

func newBotAPI(t *testing.T) *botAPI {
	b := &botAPI{token: "123456789:AAHk-test_token_for_camwatch_0123456"}
	b.srv = httptest.NewServer(b)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *botAPI) answer(w http.ResponseWriter, code int, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (b *botAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.calls.Add(1)
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+b.token+"/")
	switch {
	case !ok:
		b.answer(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	case b.down.Load():
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	case b.limited.Load() > 0:
		b.limited.Add(-1)
		b.answer(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
			"parameters": map[string]any{"retry_after": 1}})
		return
	}
	m := botMessage{Method: method}
	switch method {
	case "sendMessage":
		var req struct {
			ChatID string `json:"chat_id"`
			Text   string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Text == "" {
			b.answer(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"})
			return
		}
		m.ChatID, m.Text = req.ChatID, req.Text
	case "sendPhoto":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			b.answer(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: no photo"})
			return
		}
		f, _, err := r.FormFile("photo")
		if err != nil {
			b.answer(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: there is no photo in the request"})
			return
		}
		m.Photo, _ = io.ReadAll(f)
		m.ChatID, m.Text = r.FormValue("chat_id"), r.FormValue("caption")
	default:
		b.answer(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if m.ChatID == "-1009999" {
		b.answer(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})
		return
	}
	b.mu.Lock()
	b.got = append(b.got, m)
	b.mu.Unlock()
	b.answer(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"message_id": b.calls.Load()}})
}

func (b *botAPI) messages() []botMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]botMessage(nil), b.got...)
}

func (e *env) telegramReceiver(t *testing.T, name string, b *botAPI, chat string, lang programs.Lang) Receiver {
	t.Helper()
	env := "TG_TOKEN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	t.Setenv(env, b.token)
	e.secrets = append(e.secrets, b.token)
	return Receiver{Name: name, Type: TypeTelegram, Lang: lang, Timeout: 2 * time.Second,
		Telegram: &Telegram{APIURL: b.srv.URL, TokenEnv: env, ChatID: chat}}
}

// pictures is a SnapshotSource with one camera's JPEG.
type pictures map[string][]byte

func (p pictures) LatestSnapshotOf(_ context.Context, site, camera string) ([]byte, error) {
	if b, ok := p[site+"/"+camera]; ok {
		return b, nil
	}
	return nil, errors.New("no snapshot")
}

// TestTelegramMessagesAndPhoto: a firing alert goes out as sendPhoto with
// the camera's latest picture and the text as caption, in the receiver's
// language with names; other kinds (and cameras without a picture) as
// sendMessage; a chat the API does not know dead-letters.
func TestTelegramMessagesAndPhoto(t *testing.T) {
	e := newEnv(t)
	b := newBotAPI(t)
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	e.startWith(t, Options{Receivers: []Receiver{e.telegramReceiver(t, "tdp7-chat", b, "-100123", programs.VI), e.telegramReceiver(t, "lost-chat", b, "-1009999", programs.EN)},
		Names: testNames, Snapshots: pictures{"q1/cam-a1": jpeg}})
	e.publish(t, named("a1", alerts.TransitionFiring, "tdp7-chat", "lost-chat"))
	e.publish(t, named("a1", alerts.TransitionResolved, "tdp7-chat"))
	e.publish(t, named("b2", alerts.TransitionFiring, "tdp7-chat")) // cam-b2 has no picture
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := len(b.messages()); n < 3 {
			return fmt.Errorf("%d of 3 messages", n)
		}
		return nil
	})
	e.settled(t, "tdp7-chat")
	e.settled(t, "lost-chat")
	got := b.messages()
	if len(got) != 3 {
		t.Fatalf("%d messages: %+v", len(got), got)
	}
	byText := func(sub string) *botMessage {
		for i := range got {
			if strings.Contains(got[i].Text, sub) {
				return &got[i]
			}
		}
		return nil
	}
	fire := byText("Cảnh báo: Camera mất tín hiệu — Đầu hẻm 15")
	if fire == nil || fire.Method != "sendPhoto" || string(fire.Photo) != string(jpeg) || fire.ChatID != "-100123" {
		t.Errorf("firing with photo: %+v", fire)
	} else if !strings.Contains(fire.Text, "Chương trình: Mô hình 5+1 tổ dân phố 7") {
		t.Errorf("caption without the program's name:\n%s", fire.Text)
	}
	if res := byText("Đã xử lý xong"); res == nil || res.Method != "sendMessage" {
		t.Errorf("resolved as a message: %+v", res)
	}
	if other := byText("cam-b2"); other == nil || other.Method != "sendMessage" {
		t.Errorf("a camera without a picture as a message: %+v", other)
	}
	if n := e.metric(t, "camwatch_notifications_failed_total", "receiver", "lost-chat", "reason", ReasonRejected); n != 1 {
		t.Errorf("chat not found: failed{rejected} = %v, want 1", n)
	}
	if !strings.Contains(e.logs.String(), "chat not found") {
		t.Errorf("the API's reason is not logged:\n%s", e.logs.String())
	}
}

// TestTelegramThroughAPIOutage: while the Bot API answers 502 and then
// 429 (retry_after), every notification waits; afterwards each arrives
// exactly once, in order.
func TestTelegramThroughAPIOutage(t *testing.T) {
	e := newEnv(t)
	b := newBotAPI(t)
	b.down.Store(true)
	e.startWith(t, Options{Receivers: []Receiver{e.telegramReceiver(t, "outage-chat", b, "-100123", programs.EN)}, Names: testNames})
	var cams []string
	for i := range 5 {
		tr := named(fmt.Sprint("o", i), alerts.TransitionFiring, "outage-chat")
		cams = append(cams, tr.Alert.Camera)
		e.publish(t, tr)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := e.metric(t, "camwatch_notification_retries_total", "receiver", "outage-chat"); n < 3 {
			return fmt.Errorf("%v retries", n)
		}
		return nil
	})
	b.limited.Store(2)
	b.down.Store(false)
	testenv.Eventually(t, 20*time.Second, func() error {
		if n := len(b.messages()); n < len(cams) {
			return fmt.Errorf("%d of %d after the outage", n, len(cams))
		}
		return nil
	})
	e.settled(t, "outage-chat")
	got := b.messages()
	if len(got) != len(cams) {
		t.Fatalf("%d messages, want %d exactly", len(got), len(cams))
	}
	for i, cam := range cams {
		if !strings.Contains(got[i].Text, "Camera: "+cam) {
			t.Errorf("message %d is not %s's (in order):\n%s", i, cam, got[i].Text)
		}
	}
	if b.limited.Load() != 0 {
		t.Errorf("the 429s were not all met")
	}
}

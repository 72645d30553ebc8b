package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
)

// DefaultTelegramAPI is the Bot API's address.
const DefaultTelegramAPI = "https://api.telegram.org"

// Telegram is a Telegram bot receiver: messages go to one chat (a group of
// neighbourhood operators, a channel) through the Bot API.
type Telegram struct {
	// APIURL is the Bot API (default DefaultTelegramAPI); a local Bot API
	// server or a test double go here.
	APIURL string `yaml:"api_url"`
	// TokenEnv names the variable holding the bot's token (it is in every
	// request's path: never logged).
	TokenEnv string         `yaml:"token_env"`
	Token    configs.Secret `yaml:"-"`
	// ChatID is the chat's numeric id (groups are negative) or
	// @channelname.
	ChatID string `yaml:"chat_id"`
	// Photo sends a firing alert with the camera's latest snapshot
	// (sendPhoto) when one is stored; default true.
	Photo *bool `yaml:"photo"`
}

var (
	botToken = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$`)
	chatID   = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$`)
)

func (g *Telegram) validate(field string) error {
	if g.APIURL == "" {
		g.APIURL = DefaultTelegramAPI
	}
	u, err := url.Parse(g.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return fieldErr(field+".api_url", "must be an http(s) URL without credentials or query")
	}
	g.APIURL = strings.TrimSuffix(g.APIURL, "/")
	if g.TokenEnv == "" {
		return fieldErr(field+".token_env", "is required (the variable holding the bot token)")
	}
	if g.Token.Empty() {
		v, err := fromEnv(field+".token_env", g.TokenEnv)
		if err != nil {
			return err
		}
		g.Token = configs.NewSecret(v)
	}
	if !botToken.MatchString(g.Token.Reveal()) {
		return fieldErr(field+".token_env", "environment variable %s does not hold a bot token (digits:letters)", g.TokenEnv)
	}
	if !chatID.MatchString(g.ChatID) {
		return fieldErr(field+".chat_id", "%q is not a chat id (a number) or @channel", g.ChatID)
	}
	if g.Photo == nil {
		yes := true
		g.Photo = &yes
	}
	return nil
}

// Telegram's limits on a message and a photo caption, in characters.
const (
	telegramText    = 4096
	telegramCaption = 1024
)

// SnapshotSource finds a camera's latest picture for chat messages;
// *ingest.Store implements it through the aggregator.
type SnapshotSource interface {
	LatestSnapshotOf(ctx context.Context, site, camera string) ([]byte, error)
}

// telegramSender calls sendMessage, or sendPhoto with the camera's latest
// snapshot for a firing alert.
type telegramSender struct {
	r      *Receiver
	render *Renderer
	snaps  SnapshotSource
	client *http.Client
}

// botAnswer is the Bot API's envelope.
type botAnswer struct {
	OK          bool   `json:"ok"`
	ErrorCode   int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func (s *telegramSender) send(ctx context.Context, t *alerts.Transition, _ []byte) (outcome, string, time.Duration, error) {
	m, err := s.r.tpl.render(s.render, t)
	if err != nil {
		return rejected, "", 0, err
	}
	g := s.r.Telegram
	text := m.Subject + "\n\n" + m.Text
	var photo []byte
	if *g.Photo && s.snaps != nil && t.Kind == alerts.TransitionFiring && t.Alert.Camera != "" {
		// Best effort: a message without its picture beats no message.
		photo, _ = s.snaps.LatestSnapshotOf(ctx, t.Alert.Site, t.Alert.Camera)
	}
	var req *http.Request
	if len(photo) > 0 {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("chat_id", g.ChatID)
		_ = mw.WriteField("caption", cut(text, telegramCaption))
		fw, _ := mw.CreateFormFile("photo", "snapshot.jpg")
		_, _ = fw.Write(photo)
		_ = mw.Close()
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, g.method("sendPhoto"), &b)
		if err == nil {
			req.Header.Set("Content-Type", mw.FormDataContentType())
		}
	} else {
		body, _ := json.Marshal(map[string]any{"chat_id": g.ChatID, "text": cut(text, telegramText), "disable_web_page_preview": true})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, g.method("sendMessage"), bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return rejected, "", 0, fmt.Errorf("bad telegram api_url")
	}
	req.Header.Set("User-Agent", "camwatch-notify/1")
	resp, err := s.client.Do(req)
	if err != nil {
		return retry, "", 0, netErr(err)
	}
	defer resp.Body.Close()
	var a botAnswer
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&a)
	status := strconv.Itoa(resp.StatusCode)
	switch c := resp.StatusCode; {
	case c == http.StatusOK && a.OK:
		return delivered, status, 0, nil
	case c == http.StatusTooManyRequests || c >= 500 || c == http.StatusRequestTimeout:
		ra := min(time.Duration(a.Parameters.RetryAfter)*time.Second, maxRetryAfter)
		return retry, status, max(ra, retryAfter(resp.Header.Get("Retry-After"))), fmt.Errorf("telegram %d: %s", c, clean(a.Description))
	default:
		return rejected, status, 0, fmt.Errorf("telegram %d: %s", c, clean(a.Description))
	}
}

// method is the URL of a Bot API method; it holds the token.
func (g *Telegram) method(name string) string {
	return g.APIURL + "/bot" + g.Token.Reveal() + "/" + name
}

// cut shortens s to n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// clean keeps an API's error text short and on one line for the log.
func clean(s string) string {
	return cut(strings.Join(strings.Fields(s), " "), 200)
}

package notify

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
)

// Defaults for a receiver that leaves a field out.
const (
	// DefaultTimeout bounds one POST; a slow receiver is retried, not
	// waited on forever.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxAge is how long a transition is retried before it is given
	// up and dead-lettered: three days covers a receiver down over a long
	// weekend, after which "camera offline since Friday" is history, not
	// news.
	DefaultMaxAge = 72 * time.Hour
)

// AllKinds are the transition kinds a receiver gets by default.
var AllKinds = []alerts.TransitionKind{
	alerts.TransitionFiring, alerts.TransitionAcknowledged,
	alerts.TransitionEscalated, alerts.TransitionResolved,
}

// File is the receivers file (configs/receivers.yaml), read with
// configs.Load or configs.Parse.
type File struct {
	Receivers []Receiver `yaml:"receivers"`
}

// Receiver is one webhook target; alert rules name it in receivers and
// escalation.
type Receiver struct {
	// Name is what rules use; it is also a subject token and part of the
	// durable consumer name, so it must stay stable.
	Name string `yaml:"name"`
	// Type is webhook (the default: a signed JSON POST), email (SMTP with
	// STARTTLS) or telegram (a bot's sendMessage / sendPhoto).
	Type string `yaml:"type"`
	// Lang is the language of email and chat messages: vi (default) or en.
	Lang programs.Lang `yaml:"lang"`
	// Template replaces the built-in subject and text of the receiver's
	// language (text/template over MessageData).
	Template *Template `yaml:"template"`
	Email    *Email    `yaml:"email"`
	Telegram *Telegram `yaml:"telegram"`
	// URL is the webhook; URLEnv names an environment variable holding it
	// instead, for services whose URL is itself the credential.
	URL    string `yaml:"url"`
	URLEnv string `yaml:"url_env"`
	// SecretEnv names the environment variable with the HMAC key; Secret
	// is resolved from it by Validate (or set directly by a program).
	SecretEnv string         `yaml:"secret_env"`
	Secret    configs.Secret `yaml:"-"`
	// Timeout bounds one POST.
	Timeout time.Duration `yaml:"timeout"`
	// Headers are extra plain headers; HeadersEnv maps a header to an
	// environment variable holding its value (tokens), resolved into
	// SecretHeaders.
	Headers       map[string]string         `yaml:"headers"`
	HeadersEnv    map[string]string         `yaml:"headers_env"`
	SecretHeaders map[string]configs.Secret `yaml:"-"`
	// Kinds are the transition kinds sent; empty means all.
	Kinds []alerts.TransitionKind `yaml:"kinds"`
	// MaxAge stops retrying a transition this long after it happened.
	MaxAge time.Duration `yaml:"max_age"`

	// urlFromEnv marks URL as read from URLEnv, so that validating again
	// (Start validates what configs.Load already did) is not "both set".
	urlFromEnv bool
	tpl        *templates
}

// Receiver types.
const (
	TypeWebhook  = "webhook"
	TypeEmail    = "email"
	TypeTelegram = "telegram"
)

// reserved headers are set by the notifier and cannot be overridden.
var reserved = []string{"Content-Type", HeaderIdempotencyKey, HeaderSignature, HeaderTimestamp, "Content-Length", "Host"}

// Validate implements configs.Validator: it checks every receiver,
// resolves secrets from the environment and fills defaults.
func (f *File) Validate() error {
	seen := map[string]int{}
	for i := range f.Receivers {
		field := fmt.Sprintf("receivers[%d]", i)
		r := &f.Receivers[i]
		if err := r.validate(field); err != nil {
			return err
		}
		if j, dup := seen[r.Name]; dup {
			return fieldErr(field+".name", "%q is already the name of receivers[%d]", r.Name, j)
		}
		seen[r.Name] = i
	}
	return nil
}

// validate checks r, reads its environment variables and fills defaults.
func (r *Receiver) validate(field string) error {
	if !event.ValidToken(r.Name) {
		return fieldErr(field+".name", "%q must be 1 to 64 letters, digits, '-' or '_'", r.Name)
	}
	if r.Type == "" {
		r.Type = TypeWebhook
	}
	switch r.Lang {
	case "":
		r.Lang = programs.VI
	case programs.VI, programs.EN:
	default:
		return fieldErr(field+".lang", "%q is not vi or en", r.Lang)
	}
	if err := r.validateCommon(field); err != nil {
		return err
	}
	switch r.Type {
	case TypeWebhook:
		if r.Email != nil || r.Telegram != nil {
			return fieldErr(field+".type", "is webhook: email and telegram sections belong to those types")
		}
		return r.validateWebhook(field)
	case TypeEmail, TypeTelegram:
		if r.URL != "" || r.URLEnv != "" || r.SecretEnv != "" || len(r.Headers) > 0 || len(r.HeadersEnv) > 0 {
			return fieldErr(field+".type", "is %s: url, url_env, secret_env and headers are for webhooks", r.Type)
		}
		tpl, err := parseTemplates(field, r.Lang, r.Template)
		if err != nil {
			return err
		}
		r.tpl = tpl
		if r.Type == TypeEmail {
			if r.Telegram != nil {
				return fieldErr(field+".telegram", "is for type telegram")
			}
			if r.Email == nil {
				return fieldErr(field+".email", "is required for type email")
			}
			return r.Email.validate(field + ".email")
		}
		if r.Email != nil {
			return fieldErr(field+".email", "is for type email")
		}
		if r.Telegram == nil {
			return fieldErr(field+".telegram", "is required for type telegram")
		}
		return r.Telegram.validate(field + ".telegram")
	default:
		return fieldErr(field+".type", "%q is not one of webhook, email, telegram", r.Type)
	}
}

// validateCommon checks what every type has: timeout, max_age, kinds.
func (r *Receiver) validateCommon(field string) error {
	if r.Timeout == 0 {
		r.Timeout = DefaultTimeout
	}
	if r.Timeout < 0 {
		return fieldErr(field+".timeout", "must be positive, got %s", r.Timeout)
	}
	if r.MaxAge == 0 {
		r.MaxAge = DefaultMaxAge
	}
	if r.MaxAge < 0 {
		return fieldErr(field+".max_age", "must be positive, got %s", r.MaxAge)
	}
	if len(r.Kinds) == 0 {
		r.Kinds = slices.Clone(AllKinds)
	}
	for i, k := range r.Kinds {
		f := fmt.Sprintf("%s.kinds[%d]", field, i)
		if !slices.Contains(AllKinds, k) {
			return fieldErr(f, "%q is not one of firing, acknowledged, escalated, resolved", k)
		}
		if slices.Contains(r.Kinds[:i], k) {
			return fieldErr(f, "%q is listed twice", k)
		}
	}
	return nil
}

// validateWebhook checks a webhook's URL, secret and headers.
func (r *Receiver) validateWebhook(field string) error {
	if r.Template != nil {
		return fieldErr(field+".template", "is for email and telegram receivers (a webhook gets the transition as JSON)")
	}
	switch {
	case r.URL != "" && r.URLEnv != "" && !r.urlFromEnv:
		return fieldErr(field+".url", "set url or url_env, not both")
	case r.URLEnv != "":
		v, err := fromEnv(field+".url_env", r.URLEnv)
		if err != nil {
			return err
		}
		r.URL, r.urlFromEnv = v, true
	case r.URL == "":
		return fieldErr(field+".url", "is required (or url_env)")
	}
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr(field+".url", "must be an http:// or https:// URL")
	}
	if u.User != nil {
		return fieldErr(field+".url", "must not carry credentials; use headers_env")
	}
	if r.SecretEnv != "" {
		v, err := fromEnv(field+".secret_env", r.SecretEnv)
		if err != nil {
			return err
		}
		r.Secret = configs.NewSecret(v)
	}
	if r.Secret.Empty() {
		return fieldErr(field+".secret_env", "is required: receivers verify the HMAC signature")
	}
	return r.validateHeaders(field)
}

func (r *Receiver) validateHeaders(field string) error {
	check := func(f, name string) error {
		if !headerName(name) {
			return fieldErr(f, "%q is not a valid header name", name)
		}
		for _, res := range reserved {
			if strings.EqualFold(name, res) {
				return fieldErr(f, "%s is set by camwatch and cannot be overridden", res)
			}
		}
		return nil
	}
	for name, v := range r.Headers {
		f := field + ".headers." + name
		if err := check(f, name); err != nil {
			return err
		}
		if strings.ContainsAny(v, "\r\n") {
			return fieldErr(f, "must not contain a line break")
		}
	}
	if len(r.HeadersEnv) > 0 {
		r.SecretHeaders = map[string]configs.Secret{}
	}
	for name, env := range r.HeadersEnv {
		f := field + ".headers_env." + name
		if err := check(f, name); err != nil {
			return err
		}
		if _, dup := r.Headers[name]; dup {
			return fieldErr(f, "is also in headers")
		}
		v, err := fromEnv(f, env)
		if err != nil {
			return err
		}
		if strings.ContainsAny(v, "\r\n") {
			return fieldErr(f, "environment variable %s must not contain a line break", env)
		}
		r.SecretHeaders[name] = configs.NewSecret(v)
	}
	return nil
}

// headerName reports whether s is an RFC 9110 token.
func headerName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c > 127 || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return http.CanonicalHeaderKey(s) != ""
}

// fromEnv reads a named variable; unset or empty is an error, so a typo
// does not silently send unsigned or unauthenticated requests.
func fromEnv(field, name string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return "", fieldErr(field, "environment variable %s is not set", name)
	}
	return v, nil
}

func fieldErr(field, format string, a ...any) error {
	return fmt.Errorf("%w: %s: %s", configs.ErrInvalid, field, fmt.Sprintf(format, a...))
}

// wants reports whether r is to be told about t.
func (r *Receiver) wants(t *alerts.Transition) bool {
	return slices.Contains(t.Notify, r.Name) && slices.Contains(r.Kinds, t.Kind)
}

// host is the part of the URL that is safe to log: webhook paths and
// queries often carry tokens (and a Telegram URL always does).
func (r *Receiver) host() string {
	switch r.Type {
	case TypeEmail:
		return "smtp://" + net.JoinHostPort(r.Email.Host, strconv.Itoa(r.Email.Port))
	case TypeTelegram:
		return r.Telegram.APIURL
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

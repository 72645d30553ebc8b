package edge

import (
	"net/url"
	"regexp"
	"strings"
)

// userinfoRE finds the credentials part of any URL in a text.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']*@`)

// maxDetail bounds the human text put into an event.
const maxDetail = 200

// redactor removes a camera's credentials from texts that may quote them:
// vdk's error strings, for one, can carry the dial URL. Every error text
// passes through it before reaching a log line or an event.
type redactor struct {
	secrets []string
}

func newRedactor(password string) redactor {
	var r redactor
	if password == "" {
		return r
	}
	r.secrets = append(r.secrets, password)
	for _, v := range []string{url.QueryEscape(password), url.PathEscape(password), url.UserPassword("u", password).String()[2:]} {
		if v != password && v != "" {
			r.secrets = append(r.secrets, v)
		}
	}
	return r
}

// clean returns s with URL userinfo and every form of the secret removed.
func (r redactor) clean(s string) string {
	s = userinfoRE.ReplaceAllString(s, "$1")
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	if len(s) > maxDetail {
		s = s[:maxDetail]
	}
	return s
}

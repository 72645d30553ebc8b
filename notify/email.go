package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Email is an email receiver's SMTP submission: always STARTTLS (a relay
// that does not offer it is refused, never sent to in clear text).
type Email struct {
	// Host and Port of the submission server (default port 587).
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// Username and PasswordEnv authenticate (AUTH PLAIN, inside TLS);
	// both empty sends without AUTH (a relay that trusts the network).
	Username    string         `yaml:"username"`
	PasswordEnv string         `yaml:"password_env"`
	Password    configs.Secret `yaml:"-"`
	// From is the sender address; To the recipients.
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// TLSCA is a PEM file of the CAs that sign the server's certificate,
	// instead of the system's; TLSServerName overrides the name checked.
	TLSCA         string `yaml:"tls_ca"`
	TLSServerName string `yaml:"tls_server_name"`

	roots    *x509.CertPool
	fromAddr string // From's bare address, for MAIL FROM
}

func (e *Email) validate(field string) error {
	if e.Host == "" || strings.ContainsAny(e.Host, " /:\r\n") && net.ParseIP(e.Host) == nil {
		return fieldErr(field+".host", "%q is not a host name or address", e.Host)
	}
	if e.Port == 0 {
		e.Port = 587
	}
	if e.Port < 1 || e.Port > 65535 {
		return fieldErr(field+".port", "must be 1 to 65535, got %d", e.Port)
	}
	if (e.Username == "") != (e.PasswordEnv == "") {
		return fieldErr(field+".username", "username and password_env go together")
	}
	if e.PasswordEnv != "" {
		v, err := fromEnv(field+".password_env", e.PasswordEnv)
		if err != nil {
			return err
		}
		e.Password = configs.NewSecret(v)
	}
	from, err := mail.ParseAddress(e.From)
	if err != nil || strings.ContainsAny(e.From, "\r\n") {
		return fieldErr(field+".from", "%q is not an email address", e.From)
	}
	e.fromAddr = from.Address
	if len(e.To) == 0 {
		return fieldErr(field+".to", "at least one recipient is required")
	}
	for i, to := range e.To {
		a, err := mail.ParseAddress(to)
		if err != nil || strings.ContainsAny(to, "\r\n") {
			return fieldErr(fmt.Sprintf("%s.to[%d]", field, i), "%q is not an email address", to)
		}
		e.To[i] = a.Address
	}
	if e.TLSCA != "" {
		pem, err := os.ReadFile(e.TLSCA)
		if err != nil {
			return fieldErr(field+".tls_ca", "%v", err)
		}
		e.roots = x509.NewCertPool()
		if !e.roots.AppendCertsFromPEM(pem) {
			return fieldErr(field+".tls_ca", "%s holds no PEM certificate", e.TLSCA)
		}
	}
	return nil
}

// emailSender submits one message per transition.
type emailSender struct {
	r      *Receiver
	render *Renderer
	// tlsConfig is the test's hook for a private CA; nil uses Email's.
	tlsConfig *tls.Config
}

func (s *emailSender) send(ctx context.Context, t *alerts.Transition, _ []byte) (outcome, string, time.Duration, error) {
	m, err := s.r.tpl.render(s.render, t)
	if err != nil {
		return rejected, "", 0, err
	}
	e := s.r.Email
	addr := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
	d := net.Dialer{Timeout: s.r.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return retry, "", 0, netErr(err)
	}
	_ = conn.SetDeadline(time.Now().Add(s.r.Timeout))
	cfg := s.tlsConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: e.Host, RootCAs: e.roots, MinVersion: tls.VersionTLS12}
		if e.TLSServerName != "" {
			cfg.ServerName = e.TLSServerName
		}
	}
	c, err := smtp.NewClientStartTLS(conn, cfg)
	if err != nil {
		conn.Close()
		return smtpOutcome(err)
	}
	defer c.Close()
	if e.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", e.Username, e.Password.Reveal())); err != nil {
			return smtpOutcome(err)
		}
	}
	body := e.compose(t, m)
	if err := c.SendMail(e.fromAddr, e.To, bytes.NewReader(body)); err != nil {
		return smtpOutcome(err)
	}
	// The server took the message (250 after DATA): whatever QUIT says,
	// it is delivered.
	_ = c.Quit()
	return delivered, "250", 0, nil
}

// smtpOutcome: a 5xx answer is a refusal (dead letter), anything else (4xx,
// a dropped connection, a TLS failure) is retried.
func smtpOutcome(err error) (outcome, string, time.Duration, error) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		status := strconv.Itoa(se.Code)
		if se.Code >= 500 {
			return rejected, status, 0, fmt.Errorf("smtp %d: %s", se.Code, se.Message)
		}
		return retry, status, 0, fmt.Errorf("smtp %d: %s", se.Code, se.Message)
	}
	return retry, "", 0, netErr(err)
}

// compose writes the RFC 5322 message: UTF-8 text, the subject encoded,
// and a Message-ID made of the transition id, so that a resend after a
// crash between the server's 250 and the ack is recognisable as the same
// message.
func (e *Email) compose(t *alerts.Transition, m message) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", e.From)
	h("To", strings.Join(e.To, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", t.At.Format(time.RFC1123Z))
	h("Message-ID", "<"+strings.NewReplacer("/", ".", " ", "").Replace(t.ID)+"@camwatch>")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "8bit")
	h("X-Camwatch-Transition", t.ID)
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n"))
	return b.Bytes()
}

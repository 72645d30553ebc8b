package notify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// testNames are the display names the notification tests expect.
var testNames = programs.New([]configs.Ward{{ID: "ben-nghe", Name: configs.Names{VI: "Phường Bến Nghé", EN: "Ben Nghe Ward"}}},
	[]configs.Program{{ID: "5plus1-tdp7", Kind: "five_plus_one", Ward: "ben-nghe", Name: configs.Names{VI: "Mô hình 5+1 tổ dân phố 7", EN: "5+1 group, neighbourhood 7"},
		Cameras: map[string]configs.Names{"cam-a1": {VI: "Đầu hẻm 15", EN: "Alley 15 entrance"}}}})

// named is a transition of a camera with labels the directory names.
func named(id string, kind alerts.TransitionKind, receivers ...string) alerts.Transition {
	tr := transition(id, kind, receivers...)
	tr.Alert.Labels.Program, tr.Alert.Labels.Ward = "5plus1-tdp7", "ben-nghe"
	return tr
}

// mailServer is a real SMTP server (emersion/go-smtp) offering STARTTLS
// with a self-signed certificate and AUTH PLAIN inside TLS; it records
// the messages it accepted.
type mailServer struct {
	srv    *smtp.Server
	addr   string
	client *tls.Config // trusts the server's certificate
	mu     sync.Mutex
	msgs   []*mail.Message
	raw    [][]byte
	// refuse answers every RCPT with this SMTP code (0: accept).
	refuse int
	user   string
	pass   string
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"}, DNSNames: []string{"smtp.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func newMailServer(t *testing.T, addr string, startTLS bool) *mailServer {
	t.Helper()
	cert, pool := selfSigned(t)
	return newMailServerWith(t, addr, startTLS, cert, pool)
}

func newMailServerWith(t *testing.T, addr string, startTLS bool, cert tls.Certificate, pool *x509.CertPool) *mailServer {
	t.Helper()
	m := &mailServer{client: &tls.Config{RootCAs: pool, ServerName: "smtp.test"}, user: "camwatch", pass: "smtp-s3cret-pw"}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	m.srv.Domain = "smtp.test"
	if startTLS {
		m.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	m.srv.ReadTimeout, m.srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go func() { _ = m.srv.Serve(l) }()
	t.Cleanup(func() { _ = m.srv.Close() })
	return m
}

func (m *mailServer) messages() []*mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*mail.Message(nil), m.msgs...)
}

type mailSession struct {
	m    *mailServer
	auth bool
	to   []string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.m.user || pass != s.m.pass {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.m.refuse != 0 {
		return &smtp.SMTPError{Code: s.m.refuse, Message: "mailbox unavailable"}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, msg)
	s.m.raw = append(s.m.raw, b)
	s.m.mu.Unlock()
	return nil
}

func (e *env) emailReceiver(t *testing.T, name string, m *mailServer, lang programs.Lang) Receiver {
	t.Helper()
	host, port, _ := net.SplitHostPort(m.addr)
	var p int
	fmt.Sscan(port, &p)
	t.Setenv("SMTP_PW_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_")), m.pass)
	e.secrets = append(e.secrets, m.pass)
	return Receiver{Name: name, Type: TypeEmail, Lang: lang, Timeout: 2 * time.Second,
		Email: &Email{Host: host, Port: p, Username: m.user, PasswordEnv: "SMTP_PW_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")),
			From: "camwatch <alerts@camwatch.test>", To: []string{"to-truong@tdp7.test", "Kỹ thuật <tech@ben-nghe.test>"}}}
}

func subject(m *mail.Message) string {
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

func bodyOf(m *mail.Message) string {
	b, _ := io.ReadAll(m.Body)
	return string(b)
}

// TestEmailOverSTARTTLS: firing and resolved reach a real SMTP server over
// STARTTLS with AUTH, once each, in the receiver's language with names,
// the site's time and a Message-ID of the transition.
func TestEmailOverSTARTTLS(t *testing.T) {
	e := newEnv(t)
	m := newMailServer(t, "127.0.0.1:0", true)
	key, err := signing.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e.startWith(t, Options{Receivers: []Receiver{e.emailReceiver(t, "tdp7-mail", m, programs.VI), e.emailReceiver(t, "ops-mail", m, programs.EN)},
		Names: testNames, PublicURL: "https://camwatch.ben-nghe.test", SMTPTLS: m.client, Verifier: signing.NewVerifier(key.Public())})
	fire := named("a1", alerts.TransitionFiring, "tdp7-mail", "ops-mail")
	fire.At = time.Now().Truncate(time.Second)
	fire.Alert.Since = fire.At
	e.publishSigned(t, key, fire)
	e.publishSigned(t, key, named("a1", alerts.TransitionResolved, "tdp7-mail"))
	forged := named("a2", alerts.TransitionFiring, "tdp7-mail")
	e.publish(t, forged) // unsigned: never mailed
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := len(m.messages()); n < 3 {
			return fmt.Errorf("%d of 3 messages; log:\n%s", n, e.logs.String())
		}
		return nil
	})
	e.settled(t, "tdp7-mail")
	e.settled(t, "ops-mail")
	msgs := m.messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3 (firing to both, resolved to one)", len(msgs))
	}
	var vi, en *mail.Message
	for _, msg := range msgs {
		if msg.Header.Get("X-Camwatch-Transition") == fire.ID {
			if strings.Contains(subject(msg), "Cảnh báo") {
				vi = msg
			} else {
				en = msg
			}
		}
	}
	if vi == nil || en == nil {
		t.Fatalf("firing in vi %v and en %v", vi != nil, en != nil)
	}
	for _, tc := range []struct{ name, got, want string }{
		{"vi subject", subject(vi), "[camwatch] Cảnh báo: Camera mất tín hiệu — Đầu hẻm 15"},
		{"en subject", subject(en), "[camwatch] Alert: Camera offline — Alley 15 entrance"},
		{"message id", vi.Header.Get("Message-ID"), "<a1.firing@camwatch>"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	viBody, enBody := bodyOf(vi), bodyOf(en)
	for _, want := range []string{"Chương trình: Mô hình 5+1 tổ dân phố 7", "Phường: Phường Bến Nghé", "Lúc: " + fire.At.In(hcm).Format("15:04:05 02/01/2006"), "Xem: https://camwatch.ben-nghe.test/console/#/alerts"} {
		if !strings.Contains(viBody, want) {
			t.Errorf("vi body lacks %q:\n%s", want, viBody)
		}
	}
	for _, want := range []string{"Program: 5+1 group, neighbourhood 7", "Ward: Ben Nghe Ward"} {
		if !strings.Contains(enBody, want) {
			t.Errorf("en body lacks %q:\n%s", want, enBody)
		}
	}
	for _, slug := range []string{"5plus1-tdp7", "ben-nghe\n", "cam-a1"} {
		if strings.Contains(viBody+enBody, slug) {
			t.Errorf("a slug %q in the message", slug)
		}
	}
	if got := e.metric(t, "camwatch_notifications_failed_total", "receiver", "tdp7-mail", "reason", ReasonSignature); got != 1 {
		t.Errorf("unsigned transition: failed{signature} = %v, want 1", got)
	}
}

func (e *env) publishSigned(t *testing.T, key *signing.Key, tr alerts.Transition) {
	t.Helper()
	data := mustJSON(t, tr)
	msg := nats.NewMsg("camwatch.alerts." + tr.Alert.Site + "." + tr.Alert.Camera + "." + string(tr.Kind))
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, tr.ID)
	msg.Header.Set(signing.Header, key.Sign(data))
	if _, err := e.js.PublishMsg(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
}

// TestEmailThroughSMTPOutage: while the SMTP server is down every
// notification is retried; once it is back each arrives exactly once.
func TestEmailThroughSMTPOutage(t *testing.T) {
	e := newEnv(t)
	addr := freeAddr(t)
	cert, pool := selfSigned(t)
	// The server is down from the start (connections refused); the
	// receiver names its address and credentials.
	down := &mailServer{addr: addr, client: &tls.Config{RootCAs: pool, ServerName: "smtp.test"}, user: "camwatch", pass: "smtp-s3cret-pw"}
	r := e.emailReceiver(t, "outage-mail", down, programs.VI)
	e.startWith(t, Options{Receivers: []Receiver{r}, Names: testNames, SMTPTLS: down.client})
	var ids []string
	for i := range 5 {
		tr := named(fmt.Sprint("o", i), alerts.TransitionFiring, "outage-mail")
		ids = append(ids, tr.ID)
		e.publish(t, tr)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := e.metric(t, "camwatch_notification_retries_total", "receiver", "outage-mail"); n < 3 {
			return fmt.Errorf("%v retries", n)
		}
		return nil
	})
	up := newMailServerWith(t, addr, true, cert, pool)
	testenv.Eventually(t, 20*time.Second, func() error {
		if n := len(up.messages()); n < len(ids) {
			return fmt.Errorf("%d of %d after the outage", n, len(ids))
		}
		return nil
	})
	e.settled(t, "outage-mail")
	seen := map[string]int{}
	for _, msg := range up.messages() {
		seen[msg.Header.Get("X-Camwatch-Transition")]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("transition %s mailed %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("mailed %v, want exactly %v", seen, ids)
	}
}

// TestEmailRefusals: a server without STARTTLS is never sent to in clear
// text (retried, nothing delivered); a permanent 5xx dead-letters.
func TestEmailRefusals(t *testing.T) {
	e := newEnv(t)
	plain := newMailServer(t, "127.0.0.1:0", false)
	refusing := newMailServer(t, "127.0.0.1:0", true)
	refusing.refuse = 550
	e.startWith(t, Options{Receivers: []Receiver{e.emailReceiver(t, "plain-mail", plain, programs.VI), e.emailReceiver(t, "refused-mail", refusing, programs.EN)},
		Names: testNames, SMTPTLS: refusing.client})
	e.publish(t, named("r1", alerts.TransitionFiring, "plain-mail", "refused-mail"))
	testenv.Eventually(t, 10*time.Second, func() error {
		if n := e.metric(t, "camwatch_notification_retries_total", "receiver", "plain-mail"); n < 2 {
			return fmt.Errorf("no STARTTLS: %v retries", n)
		}
		if n := e.metric(t, "camwatch_notifications_failed_total", "receiver", "refused-mail", "reason", ReasonRejected); n != 1 {
			return fmt.Errorf("550: failed{rejected} = %v", n)
		}
		return nil
	})
	if n := len(plain.messages()) + len(refusing.messages()); n != 0 {
		t.Errorf("%d messages delivered, want none", n)
	}
	if !strings.Contains(e.logs.String(), "smtp 550") {
		t.Errorf("the refusal is not logged with its code:\n%s", e.logs.String())
	}
}

var _ = json.Marshal

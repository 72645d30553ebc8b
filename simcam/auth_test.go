package simcam

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	cases := []struct {
		name, method, creds string
		wantChallenge       string // WWW-Authenticate scheme offered without credentials
		wantOK              bool
	}{
		{name: "digest right password", method: "digest", creds: "viewer:pa55", wantChallenge: "Digest", wantOK: true},
		{name: "digest wrong password", method: "digest", creds: "viewer:nope", wantChallenge: "Digest"},
		{name: "digest wrong user", method: "digest", creds: "admin:pa55", wantChallenge: "Digest"},
		{name: "digest no credentials", method: "digest", wantChallenge: "Digest"},
		{name: "default method is digest", method: "", creds: "viewer:pa55", wantChallenge: "Digest", wantOK: true},
		{name: "basic right password", method: "basic", creds: "viewer:pa55", wantChallenge: "Basic", wantOK: true},
		{name: "basic wrong password", method: "basic", creds: "viewer:nope", wantChallenge: "Basic"},
		{name: "basic no credentials", method: "basic", wantChallenge: "Basic"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Username: "viewer", Password: "pa55", AuthMethod: tc.method,
				Cameras: []Camera{{ID: "cam", Clip: "dark-320x240"}}})
			code, hdr := rawDescribe(t, s.URL("cam"))
			if code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), tc.wantChallenge) {
				t.Errorf("DESCRIBE without credentials: %d %q, want 401 with a %s challenge", code, hdr.Get("WWW-Authenticate"), tc.wantChallenge)
			}
			u := s.URL("cam")
			if tc.creds != "" {
				u = strings.Replace(u, "rtsp://", "rtsp://"+tc.creds+"@", 1)
			}
			p, err := play(t, u)
			if !tc.wantOK {
				if err == nil {
					t.Fatal("play succeeded, want it refused")
				}
				return
			}
			if err != nil {
				t.Fatalf("play: %v", err)
			}
			p.waitFrames(t, 5, 5*time.Second)
		})
	}
}

func TestURLsNeverCarryPasswords(t *testing.T) {
	s := start(t, Options{Username: "viewer", Password: "pa55",
		Cameras: []Camera{{ID: "cam", Clip: "dark-320x240"}}})
	u, err := url.Parse(s.URL("cam"))
	if err != nil || u.User != nil || strings.Contains(s.URL("cam"), "pa55") {
		t.Errorf("URL %q carries credentials", s.URL("cam"))
	}
}

// rawDescribe sends an unauthenticated DESCRIBE and returns the status code
// and headers.
func rawDescribe(t *testing.T, rtspURL string) (int, textproto.MIMEHeader) {
	t.Helper()
	u, err := url.Parse(rtspURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 3*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(conn, "DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", rtspURL)
	r := textproto.NewReader(bufio.NewReader(conn))
	line, err := r.ReadLine()
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	var code int
	if _, err := fmt.Sscanf(line, "RTSP/1.0 %d", &code); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	hdr, err := r.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("read headers: %v", err)
	}
	return code, hdr
}

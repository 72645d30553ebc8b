package edge

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// probeDescribe asks the camera for its stream description once, with the
// credentials in streamURL, and returns the final RTSP status code. It
// exists because vdk cannot tell a rejected password from a dropped
// connection when a camera answers wrong credentials with a bare 401 and
// hangs up (gortsplib servers do): the supervisor probes after such a
// failure to name the reason right. Errors never quote the password.
func probeDescribe(ctx context.Context, streamURL string, timeout time.Duration) (int, error) {
	u, err := url.Parse(streamURL)
	if err != nil {
		return 0, fmt.Errorf("probe: unparsable url")
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	u.User = nil
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "554")
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return 0, err
	}
	r := textproto.NewReader(bufio.NewReader(conn))
	uri := u.String()
	describe := func(cseq int, authz string) (int, textproto.MIMEHeader, error) {
		req := "DESCRIBE " + uri + " RTSP/1.0\r\nCSeq: " + strconv.Itoa(cseq) + "\r\nAccept: application/sdp\r\n"
		if authz != "" {
			req += "Authorization: " + authz + "\r\n"
		}
		if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
			return 0, nil, err
		}
		line, err := r.ReadLine()
		if err != nil {
			return 0, nil, err
		}
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "RTSP/") {
			return 0, nil, fmt.Errorf("probe: not an RTSP status line")
		}
		code, err := strconv.Atoi(f[1])
		if err != nil {
			return 0, nil, fmt.Errorf("probe: bad status code")
		}
		hdr, err := r.ReadMIMEHeader()
		if err != nil && err != io.EOF {
			return code, hdr, nil
		}
		if n, _ := strconv.Atoi(hdr.Get("Content-Length")); n > 0 && n < 1<<16 {
			io.CopyN(io.Discard, r.R, int64(n))
		}
		return code, hdr, nil
	}
	code, hdr, err := describe(1, "")
	if err != nil || code != 401 || user == "" {
		return code, err
	}
	authz := ""
	for _, ch := range hdr.Values("Www-Authenticate") {
		switch {
		case strings.HasPrefix(ch, "Digest"):
			realm, nonce := param(ch, "realm"), param(ch, "nonce")
			ha1 := md5hex(user + ":" + realm + ":" + pass)
			ha2 := md5hex("DESCRIBE:" + uri)
			authz = fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
				user, realm, nonce, uri, md5hex(ha1+":"+nonce+":"+ha2))
		case strings.HasPrefix(ch, "Basic") && authz == "":
			authz = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		}
	}
	if authz == "" {
		return code, nil
	}
	code, _, err = describe(2, authz)
	return code, err
}

func param(challenge, name string) string {
	i := strings.Index(challenge, name+`="`)
	if i < 0 {
		return ""
	}
	rest := challenge[i+len(name)+2:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

package edge

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/simcam"
)

func TestProbeDescribe(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"digest", "basic"} {
		t.Run(method, func(t *testing.T) {
			sim := startSim(t, simcam.Options{Username: simUser, Password: simPass, AuthMethod: method,
				Cameras: []simcam.Camera{{ID: "c1", Clip: "static-320x240"}}})
			with := func(user, pass, path string) string {
				u, _ := url.Parse(sim.URL("c1"))
				if user != "" {
					u.User = url.UserPassword(user, pass)
				}
				if path != "" {
					u.Path = path
				}
				return u.String()
			}
			cases := []struct {
				name string
				url  string
				want int
			}{
				{"right password", with(simUser, simPass, ""), 200},
				{"wrong password", with(simUser, "nope", ""), 401},
				{"no credentials", with("", "", ""), 401},
				{"unknown path", with(simUser, simPass, "/nope"), 404},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					code, err := probeDescribe(context.Background(), tc.url, 2*time.Second)
					if err != nil || code != tc.want {
						t.Errorf("probe = %d, %v; want %d", code, err, tc.want)
					}
					if err != nil && strings.Contains(err.Error(), simPass) {
						t.Error("probe error quotes the password")
					}
				})
			}
		})
	}
}

func TestProbeDescribeStopsWithContext(t *testing.T) {
	t.Parallel()
	addr := fakeServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // never answers
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := probeDescribe(ctx, "rtsp://u:p@"+addr+"/c1", 10*time.Second); err == nil {
		t.Error("probe of a silent server succeeded")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("probe ignored its context for %s", took)
	}
}

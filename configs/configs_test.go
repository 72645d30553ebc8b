package configs

import (
	"errors"
	"strings"
	"testing"
)

func TestExamplesParse(t *testing.T) {
	t.Setenv("SIMCAM_PASSWORD", "s3cret-example")
	t.Setenv("MQTT_BRIDGE_PASSWORD", "mqtt-test")
	t.Setenv("REDIS_PASSWORD", "s3cret-example")
	for _, tc := range []struct {
		file string
		v    Validator
	}{
		{"edge.yaml", &Edge{}},
		{"aggregator.yaml", &Aggregator{}},
		{"simcam.yaml", &Simcam{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := Examples.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if err := Parse(data, tc.v); err != nil {
				t.Fatalf("example does not parse: %v", err)
			}
		})
	}
}

func TestEdgeErrorsNameTheField(t *testing.T) {
	t.Setenv("CAM_PW", "pw")
	base := "site: s1\nagent: a1\nspool_dir: /tmp/x\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", base + "camras: []\n", "field camras not found"},
		{"no cameras", base, "cameras: at least one camera"},
		{"bad site", "site: 'a b'\nagent: a1\nspool_dir: /x\ncameras: [{id: c, url: 'rtsp://h/x'}]\n", "site:"},
		{"password in url", base + "cameras: [{id: c1, url: 'rtsp://u:hunter2@h/x'}]\n", "cameras[0].url: must not contain a password"},
		{"bad scheme", base + "cameras: [{id: c1, url: 'http://h/x'}]\n", "cameras[0].url"},
		{"dup id", base + "cameras: [{id: c1, url: 'rtsp://h/x'}, {id: c1, url: 'rtsp://h/y'}]\n", "cameras[1].id"},
		{"env unset", base + "cameras: [{id: c1, url: 'rtsp://u@h/x', password_env: NOPE_NOT_SET}]\n", "cameras[0].password_env: environment variable NOPE_NOT_SET"},
		{"bad detector", base + "cameras: [{id: c1, url: 'rtsp://h/x', motion: {detector: magic}}]\n", "cameras[0].motion.detector"},
		{"negative stall", base + "timing: {stall_timeout: -1s}\ncameras: [{id: c1, url: 'rtsp://h/x'}]\n", "timing.stall_timeout"},
		{"bad duration", base + "timing: {stall_timeout: soon}\ncameras: [{id: c1, url: 'rtsp://h/x'}]\n", "line 4: cannot unmarshal !!str `soon` into time.Duration"},
		{"two documents", base + "cameras: [{id: c1, url: 'rtsp://h/x'}]\n---\nsite: x\n", "one YAML document"},
		{"empty", "", "empty"},
		{"cluster url with a bad member", base + "nats: {url: 'nats://127.0.0.1:4222,http://h:4223'}\ncameras: [{id: c1, url: 'rtsp://h/x'}]\n", `nats.url: "http://h:4223" is not a nats://`},
		{"cluster url with a password", base + "nats: {url: 'nats://127.0.0.1:4222,nats://u:hunter2@h:4223'}\ncameras: [{id: c1, url: 'rtsp://h/x'}]\n", "nats.url: must not carry credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Parse([]byte(tc.yaml), &Edge{})
			if err == nil {
				t.Fatalf("want an error containing %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

// TestNATSClusterURL: the members of a NATS cluster go into one url,
// comma-separated, as nats.Connect takes them.
func TestNATSClusterURL(t *testing.T) {
	var c Edge
	y := "site: s1\nagent: a1\nspool_dir: /tmp/x\nnats: {url: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223,nats://127.0.0.1:4224'}\ncameras: [{id: c1, url: 'rtsp://h/x'}]\n"
	if err := Parse([]byte(y), &c); err != nil {
		t.Fatal(err)
	}
}

func TestCameraPasswordFromEnv(t *testing.T) {
	t.Setenv("CAM_PW", "p@ss:word/1")
	var c Edge
	err := Parse([]byte("site: s\nagent: a\nspool_dir: /x\ncameras: [{id: c1, url: 'rtsp://admin@h:554/x', password_env: CAM_PW}]\n"), &c)
	if err != nil {
		t.Fatal(err)
	}
	cam := c.Cameras[0]
	if got := cam.PublicURL(); got != "rtsp://h:554/x" {
		t.Errorf("PublicURL = %q", got)
	}
	if got := cam.StreamURL(); !strings.Contains(got, "admin:p%40ss%3Aword%2F1@h:554") {
		t.Errorf("StreamURL = %q", got)
	}
	if s := cam.Password.String(); s != "[redacted]" {
		t.Errorf("Secret.String = %q", s)
	}
}

func TestSimcamBasicAuthColon(t *testing.T) {
	t.Setenv("SIM_PW", "a:b")
	err := Parse([]byte("username: u\npassword_env: SIM_PW\nauth_method: basic\ncameras: [{id: c1, clip: static-320x240}]\n"), &Simcam{})
	if err == nil || !strings.Contains(err.Error(), "password: must not contain ':'") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "a:b") {
		t.Errorf("error leaks the password: %v", err)
	}
}

package simcam

import (
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
)

func TestExampleConfigServes(t *testing.T) {
	t.Setenv("SIMCAM_PASSWORD", "from-the-env")
	data, err := configs.Examples.ReadFile("simcam.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c configs.Simcam
	if err := configs.Parse(data, &c); err != nil {
		t.Fatal(err)
	}
	opts := OptionsFromConfig(&c)
	if opts.Password != "from-the-env" || opts.Username != "camwatch" || opts.AuthMethod != "digest" {
		t.Errorf("auth options %q/%q/%q not taken from the config", opts.Username, opts.AuthMethod, opts.Password)
	}
	if len(opts.Cameras) != len(c.Cameras) || opts.Cameras[5].OfflineEvery != 3*time.Minute || opts.Cameras[5].OfflineFor != 40*time.Second {
		t.Fatalf("cameras %+v not taken from the config", opts.Cameras)
	}
	opts.Listen, opts.Control = "127.0.0.1:0", "127.0.0.1:0" // the example's ports may be in use
	s := start(t, opts)
	for _, cam := range opts.Cameras {
		if code, _ := rawDescribe(t, s.URL(cam.ID)); code != 401 {
			t.Errorf("%s: DESCRIBE without credentials: %d, want 401", cam.ID, code)
		}
	}
	u := strings.Replace(s.URL("bn-leloi-02"), "rtsp://", "rtsp://camwatch:from-the-env@", 1)
	mustPlay(t, u).waitFrames(t, 3, 5*time.Second)
}

func TestOptionsValidation(t *testing.T) {
	cam := []Camera{{ID: "cam", Clip: "dark-320x240"}}
	cases := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "no cameras", opts: Options{Listen: "127.0.0.1:0"}, wantErr: "no cameras"},
		{name: "bad listen", opts: Options{Listen: "localhost", Cameras: cam}, wantErr: "listen"},
		{name: "bad auth method", opts: Options{Listen: "127.0.0.1:0", AuthMethod: "ntlm", Cameras: cam}, wantErr: "auth method"},
		{name: "user without password", opts: Options{Listen: "127.0.0.1:0", Username: "u", Cameras: cam}, wantErr: "go together"},
		{name: "basic password with colon", opts: Options{Listen: "127.0.0.1:0", Username: "u", Password: "a:b", AuthMethod: "basic", Cameras: cam}, wantErr: "cannot contain"},
		{name: "duplicate id", opts: Options{Listen: "127.0.0.1:0", Cameras: append(cam, cam...)}, wantErr: "used twice"},
		{name: "offline longer than cycle", opts: Options{Listen: "127.0.0.1:0", Cameras: []Camera{{ID: "c", Clip: "dark-320x240", OfflineEvery: time.Second, OfflineFor: 2 * time.Second}}}, wantErr: "offline_for"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(t.Context(), tc.opts)
			if err == nil {
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Start: %v, want an error about %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "a:b") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

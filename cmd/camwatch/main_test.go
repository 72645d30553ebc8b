package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	for _, env := range []string{"SIMCAM_PASSWORD", "REDIS_PASSWORD", "MQTT_BRIDGE_PASSWORD", "NOTIFY_BEN_NGHE_SECRET", "NOTIFY_HEM42_SECRET", "NOTIFY_TDP7_SECRET", "NOTIFY_OPS_SECRET", "NOTIFY_OPS_AUTHORIZATION"} {
		t.Setenv(env, "x")
	}
	t.Setenv("NOTIFY_HEM42_URL", "https://hooks.example.net/hem42")
	for _, tc := range []struct {
		name    string
		files   []string
		wantErr bool
		want    []string
		notWant []string
	}{
		{name: "shipped examples", files: []string{"../../configs/edge.yaml", "../../configs/aggregator.yaml", "../../configs/simcam.yaml", "../../configs/alerts.yaml", "../../configs/receivers.yaml"},
			want: []string{"ok   ../../configs/edge.yaml (edge)", "(aggregator)", "(simcam)", "(alert rules)", "(receivers)"}},
		{name: "password in url", files: []string{"testdata/bad-edge.yaml"}, wantErr: true,
			want: []string{"FAIL testdata/bad-edge.yaml", "cameras[0].url: must not contain a password"}, notWant: []string{"hunter2"}},
		{name: "unknown key", files: []string{"testdata/typo-aggregator.yaml"}, wantErr: true,
			want: []string{"field retension not found"}},
		{name: "missing file", files: []string{"testdata/nope.yaml"}, wantErr: true, want: []string{"no such file"}},
		{name: "one bad among good", files: []string{"../../configs/aggregator.yaml", "testdata/bad-edge.yaml"}, wantErr: true,
			want: []string{"ok   ../../configs/aggregator.yaml", "FAIL testdata/bad-edge.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runConfig(append([]string{"check"}, tc.files...), &out)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v; output:\n%s", err, tc.wantErr, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output contains %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"help", []string{"help"}, exitOK},
		{"version", []string{"version"}, exitOK},
		{"edge without config", []string{"edge"}, exitUsage},
		{"aggregator stray argument", []string{"aggregator", "-config", "x.yaml", "extra"}, exitUsage},
		{"bad log level", []string{"simcam", "-config", "../../configs/simcam.yaml", "-log-level", "loud"}, exitUsage},
		{"edge with a missing file", []string{"edge", "-config", "testdata/nope.yaml"}, exitFailure},
		{"edge with a bad file", []string{"edge", "-config", "testdata/bad-edge.yaml"}, exitFailure},
		{"config without check", []string{"config", "lint"}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}

// TestAccessCommandsNameTheirConfig: user and token on a machine without
// the aggregator's config say which file they read and how to give one.
func TestAccessCommandsNameTheirConfig(t *testing.T) {
	for _, args := range [][]string{{"list", "-config", "testdata/nope.yaml"}} {
		err := runUser(args, strings.NewReader(""), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "testdata/nope.yaml") || !strings.Contains(err.Error(), "-config FILE") {
			t.Errorf("user %q: %v, want the file and -config named", args, err)
		}
		err = runToken(args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-config FILE") {
			t.Errorf("token %q: %v, want -config named", args, err)
		}
	}
}

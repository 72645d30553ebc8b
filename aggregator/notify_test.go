package aggregator

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/testenv"
	"github.com/prometheus/client_golang/prometheus"
)

// TestReceiversFileIsCheckedAtStart: a receivers file that lacks a
// receiver a rule names, misspells a key, or whose secret is not in the
// environment stops the start with an error naming the rule, receiver or
// field.
func TestReceiversFileIsCheckedAtStart(t *testing.T) {
	natsURL := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	tests := []struct {
		name, receivers string
		unsetSecret     bool
		wantIs          error
		want            []string
	}{
		{"rule names a missing receiver", "testdata/e2e-receivers-other.yaml", false, ErrUnknownReceiver,
			[]string{`rule "cam-offline"`, "receivers[0]", `"webhook"`, "e2e-receivers-other.yaml"}},
		{"misspelt key", "testdata/e2e-receivers-typo.yaml", false, configs.ErrInvalid, []string{"timout"}},
		{"secret not in the environment", "testdata/e2e-receivers.yaml", true, nil,
			[]string{"receivers[0].secret_env", "CAMWATCH_TEST_WEBHOOK_SECRET"}},
		{"no such file", "testdata/nope.yaml", false, os.ErrNotExist, []string{"alerts.receivers"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CAMWATCH_TEST_WEBHOOK_URL", "http://127.0.0.1:1/hook")
			t.Setenv("CAMWATCH_TEST_WEBHOOK_SECRET", "k")
			if tc.unsetSecret {
				t.Setenv("CAMWATCH_TEST_WEBHOOK_SECRET", "")
				os.Unsetenv("CAMWATCH_TEST_WEBHOOK_SECRET")
			}
			var cfg configs.Aggregator
			if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
				t.Fatal(err)
			}
			cfg.Redis.Prefix = prefix
			cfg.Alerts.Rules, cfg.Alerts.Receivers = "testdata/e2e-offline.yaml", tc.receivers
			o := OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
			o.NATSURL, o.Redis = natsURL, rdb
			a, err := Start(context.Background(), o)
			if err == nil {
				a.Close()
				t.Fatal("started")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v does not wrap %v", err, tc.wantIs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestReloadRefusesRulesNamingAnUnknownReceiver: a rules edit that names a
// receiver the receivers file lacks is refused on reload, and the rules in
// force stay.
func TestReloadRefusesRulesNamingAnUnknownReceiver(t *testing.T) {
	natsURL := testenv.NATS(t)
	rdb, prefix := testenv.Redis(t)
	newWebhook(t)
	path := filepath.Join(t.TempDir(), "rules.yaml")
	good, err := os.ReadFile("testdata/e2e-offline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	a := startAlerting(t, natsURL, rdb, prefix, path, "testdata/e2e-receivers.yaml")
	bad := strings.ReplaceAll(string(good), "receivers: [webhook]", "receivers: [webhook, pager]")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err = a.ReloadAlerts(context.Background())
	if !errors.Is(err, alerts.ErrRules) || !errors.Is(err, ErrUnknownReceiver) || !strings.Contains(err.Error(), `"pager"`) {
		t.Fatalf("reload: %v; want a refusal naming receiver pager", err)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.ReloadAlerts(context.Background()); err != nil {
		t.Fatalf("reload of the good file: %v", err)
	}
}

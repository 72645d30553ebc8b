package aggregator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestAlertsRunInsideAndShutdownEndsTheFeed: an offline camera is an open
// alert in the API, and Close returns promptly with an SSE client attached.
func TestAlertsRunInsideAndShutdownEndsTheFeed(t *testing.T) {
	url := testenv.NATS(t)
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	cfg.Redis.Prefix = prefix
	cfg.Alerts.Rules = "testdata/alerts.yaml"
	o := OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	o.NATSURL, o.Redis = url, rdb
	a, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	authorize(t, a)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	base := "http://" + a.Addr()

	resp, err := http.Get(base + "/api/v1/alerts/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	now := time.Now()
	publish(t, js, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1",
		Camera: "cam-1", Time: now, Seq: 1, Health: &event.Health{Status: event.StatusOffline, Reason: event.ReasonRefused, Since: now, LastFrameAgeMS: -1}})
	testenv.Eventually(t, 10*time.Second, func() error {
		code, body, err := getBody(base + "/api/v1/alerts?camera=cam-1")
		if err != nil || code != 200 {
			return fmt.Errorf("%d %v", code, err)
		}
		var list struct {
			Alerts []json.RawMessage `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Alerts) != 1 {
			return fmt.Errorf("alerts %s", body)
		}
		return nil
	})
	if err := a.ReloadAlerts(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	start := time.Now()
	if err := a.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("close took %s with an SSE client attached", d)
	}
}

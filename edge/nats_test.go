package edge

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// TestPublishForAnotherSite: an agent configured for site q2 but holding
// q1's credentials has every message refused by NATS itself; it says so
// once, clearly, and counts every refusal.
func TestPublishForAnotherSite(t *testing.T) {
	env := testenv.NATSAuth(t, natsauth.Agent{Site: "q1", Agent: "edge-a"})
	var logs logBuffer
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Site: "q2", Agent: "edge-a", NATSURL: env.URL, NATS: env.Agent(t, "q1", "edge-a")}
	nc, err := connectNATS(o, m, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_, err := js.Publish(ctx, fmt.Sprintf("camwatch.events.q2.edge-a.cam-%d.health", i), []byte("{}"))
		cancel()
		if err == nil {
			t.Fatal("NATS acknowledged an event for another site")
		}
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		if n := counterValue(t, m.PermissionDenied); n < 3 {
			return fmt.Errorf("%v refusals counted", n)
		}
		return nil
	})
	if n := strings.Count(logs.String(), "NATS refused this agent's message"); n != 1 {
		t.Errorf("refusal logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), `"site":"q2"`) {
		t.Errorf("the log does not name the configured site:\n%s", logs.String())
	}
}

package aggregator

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// TestAggregatorUptime: a camera that went offline a minute ago shows in
// the aggregator's uptime report, read from what the ingester stored.
func TestAggregatorUptime(t *testing.T) {
	url := testenv.NATS(t)
	a := startAggregator(t, url)
	js := jetStream(t, url)
	now := time.Now().UTC()
	publish(t, js, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHeartbeat, Site: "q1", Agent: "edge-1", Time: now, Seq: 1,
		Heartbeat: &event.Heartbeat{Version: "t", Started: now, IntervalS: 5, Cameras: 1}})
	publish(t, js, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1", Camera: "cam-9",
		Labels: event.Labels{Program: "p9"}, Time: now, Seq: 1,
		Health: &event.Health{Status: event.StatusOffline, Reason: event.ReasonRefused, Since: now.Add(-time.Minute)}})
	testenv.Eventually(t, 10*time.Second, func() error {
		code, body, err := getBody("http://" + a.Addr() + "/api/v1/uptime?group=program&window=24h")
		if err != nil || code != 200 {
			return fmt.Errorf("%d %v %s", code, err, body)
		}
		var s uptime.Summary
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			return err
		}
		if len(s.Groups) != 1 || s.Groups[0].Key != "p9" || s.Groups[0].Outages != 1 || s.Groups[0].OfflineS < 60 {
			return fmt.Errorf("groups = %+v", s.Groups)
		}
		return nil
	})
}

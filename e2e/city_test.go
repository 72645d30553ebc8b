package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/camstate"
	"github.com/camwatch/camwatch/citysim"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// cityAggregator is one `camwatch aggregator` process of the city test.
type cityAggregator struct {
	p       *proc
	metrics string
	api     string
	config  string
}

func (a *cityAggregator) metric(name string) (float64, error) {
	body, err := getURL(a.metrics+"/metrics", "")
	if err != nil {
		return 0, err
	}
	return metric(body, name), nil
}

// TestCityTwoAggregators: two aggregator processes of the built binary,
// with one config, share a city's work on the clusters: a three-node
// NATS cluster (the events stream with 3 replicas) and the shared
// three-master Redis Cluster. 40 cameras under two agents publish a burst
// (citysim, each agent with its own credentials). Both processes store
// events (the durable consumer hands each message to one of them) and
// exactly one holds the alerts lease. Mid-burst the lease holder is
// killed (SIGKILL): the survivor takes the lease over and stores the rest,
// including what the dead one had fetched and not acknowledged. Afterwards
// every event JetStream acknowledged is in Redis exactly once (the
// per-camera sequence audit), and the survivor's uptime report (API)
// equals the one of a third aggregator that rebuilt the city from
// JetStream into a fresh prefix.
func TestCityTwoAggregators(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	end := time.Now().UTC().Truncate(time.Second)
	const steps = 120
	city := citysim.New(citysim.Options{Cameras: 40, CamerasPerAgent: 20, Start: end.Add(-steps * 5 * time.Second),
		StatsInterval: 5 * time.Second, HeartbeatInterval: 5 * time.Second, MotionEvery: 40 * time.Second,
		MotionLength: 5 * time.Second, OutagesPerDay: 24 * 60 / 4, Seed: 21})
	var agents []natsauth.Agent
	for _, a := range city.Agents() {
		agents = append(agents, natsauth.Agent{Site: city.Site(), Agent: a})
	}
	nc := testenv.NATSCluster(t, agents...)
	rdb, prefix := testenv.SharedRedisCluster(t)
	dir := t.TempDir()
	rules := writeFile(t, dir, "alerts.yaml", `timezone: Asia/Ho_Chi_Minh
rules:
  - id: city-offline
    description: a city camera offline for a minute
    trigger: {type: offline, for: 1m}
    match: {programs: [program-00, program-01]}
    severity: warning
`)
	key := filepath.Join(dir, "alerts.key")
	if out, err := exec.Command(binPath, "keygen", "-out", key).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	startAgg := func(name, prefix, durable string) *cityAggregator {
		api, met := freePort(t), freePort(t)
		cfg := writeFile(t, dir, name+".yaml", fmt.Sprintf(`nats: {url: %q, creds_file: %q}
redis: {cluster: [%s], prefix: %q}
listen: 127.0.0.1:%d
metrics_listen: 127.0.0.1:%d
stream: {replicas: 3}
consumer: {durable: %q, batch: 64, ack_wait: 5s}
agent_timeout: 10s
alerts: {rules: %q, signing_key: %q, lease_ttl: 3s}
`, nc.URL, nc.Auth.AggregatorCreds, strings.Join(testenv.SharedClusterAddrs, ", "), prefix, api, met, durable, rules, key))
		a := &cityAggregator{p: start(t, name, nil, "aggregator", "-config", cfg), metrics: fmt.Sprintf("http://127.0.0.1:%d", met),
			api: fmt.Sprintf("http://127.0.0.1:%d", api), config: cfg}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s log:\n%s", name, a.p.out.String())
			}
		})
		testenv.Eventually(t, 30*time.Second, func() error {
			_, err := getURL(fmt.Sprintf("http://127.0.0.1:%d/readyz", api), "")
			return err
		})
		return a
	}
	aggs := []*cityAggregator{startAgg("aggregator-a", prefix, "aggregator"), startAgg("aggregator-b", prefix, "aggregator")}

	pub, err := citysim.Dial(city, func(agent string) configs.NATS {
		n := nc.Agent(t, city.Site(), agent)
		n.URL = nc.URL
		return n
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	leaders := func() (lead []int, err error) {
		for i, a := range aggs {
			if a == nil {
				continue
			}
			v, err := a.metric("camwatch_alerts_leader")
			if err != nil {
				return nil, err
			}
			if v == 1 {
				lead = append(lead, i)
			}
		}
		return lead, nil
	}
	var killed int
	for step := range steps {
		if step == 60 {
			// Both share the work, one leads the alerts.
			var lead []int
			testenv.Eventually(t, 30*time.Second, func() error {
				for i, a := range aggs {
					if n, err := a.metric("camwatch_ingest_events_total"); err != nil || n == 0 {
						return fmt.Errorf("aggregator %d has stored %v events (%v)", i, n, err)
					}
				}
				var err error
				lead, err = leaders()
				if err != nil || len(lead) != 1 {
					return fmt.Errorf("alerts leaders %v (%v), want exactly one", lead, err)
				}
				return nil
			})
			killed = lead[0]
			aggs[killed].p.stop(t, syscall.SIGKILL)
			t.Logf("step %d: killed aggregator %d, the alerts leader", step, killed)
			aggs[killed] = nil
		}
		if err := pub.Publish(ctx, city.Step()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		time.Sleep(100 * time.Millisecond) // a burst spread over the kill
	}
	survivor := aggs[1-killed]
	testenv.Eventually(t, 30*time.Second, func() error {
		lead, err := leaders()
		if err != nil || len(lead) != 1 || lead[0] != 1-killed {
			return fmt.Errorf("alerts leaders %v (%v), want the survivor %d", lead, err, 1-killed)
		}
		return nil
	})
	last, count := pub.Accepted()
	if len(last) != 42 {
		t.Fatalf("accepted sequences of %d cameras and agents, want 42", len(last))
	}
	audit := func(prefix string) error {
		st := camstate.New(rdb, camstate.Options{Prefix: prefix})
		for key, n := range last {
			agent, camera, isCam := strings.Cut(key, "/")
			if !isCam {
				if seq, err := st.AgentSeq(ctx, agent); err != nil || seq != n {
					return fmt.Errorf("agent %s: seq %d (%v), accepted up to %d", agent, seq, err, n)
				}
				continue
			}
			if count[key] != int(n) {
				t.Fatalf("%s: JetStream acknowledged %d events, last seq %d", key, count[key], n)
			}
			seqs, err := st.CameraSeqs(ctx, event.CameraRef{Site: city.Site(), Camera: camera})
			if err != nil {
				return err
			}
			seen := map[uint64]int{}
			for _, s := range seqs {
				seen[s]++
			}
			for s := uint64(1); s <= n; s++ {
				if seen[s] != 1 {
					return fmt.Errorf("camera %s: seq %d stored %d times (accepted 1..%d)", camera, s, seen[s], n)
				}
			}
			if len(seqs) != int(n) {
				return fmt.Errorf("camera %s: %d stored, accepted %d", camera, len(seqs), n)
			}
		}
		return nil
	}
	testenv.Eventually(t, 90*time.Second, func() error { return audit(prefix) })

	// The survivor's uptime report equals the one of an aggregator that
	// rebuilt the city from JetStream into a fresh prefix (a durable of
	// its own), as docs/operations.md tells an operator to rebuild.
	replayPrefix := prefix + ":replay"
	replay := startAgg("aggregator-replay", replayPrefix, "replay")
	testenv.Eventually(t, 90*time.Second, func() error { return audit(replayPrefix) })
	tokCmd := exec.Command(binPath, "token", "create", "-config", survivor.config, "-name", "city", "-role", "admin", "-scope", "", "-expires", "1h")
	tokOut, err := tokCmd.Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(string(tokOut))
	q := url.Values{"group": {"program"}, "from": {city.Now().Add(-steps * 5 * time.Second).Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
	report := func(a *cityAggregator) uptime.Summary {
		t.Helper()
		body, err := getURL(a.api+"/api/v1/uptime?"+q.Encode(), token)
		if err != nil {
			t.Fatal(err)
		}
		var sum uptime.Summary
		if err := json.Unmarshal(body, &sum); err != nil {
			t.Fatalf("uptime %s: %v", body, err)
		}
		return sum
	}
	live, rebuilt := report(survivor), report(replay)
	if live.All.Cameras != 40 || live.All.Outages == 0 {
		t.Fatalf("report too thin: %d cameras, %d outages", live.All.Cameras, live.All.Outages)
	}
	if !reflect.DeepEqual(live, rebuilt) {
		b, _ := json.Marshal(live.All)
		r, _ := json.Marshal(rebuilt.All)
		t.Errorf("the survivor's uptime report differs from the JetStream rebuild's:\nlive    %s\nrebuilt %s", b, r)
	}
	if n, err := survivor.metric("camwatch_ingest_events_total"); err != nil || n == 0 {
		t.Errorf("the survivor stored %v events (%v)", n, err)
	}
}

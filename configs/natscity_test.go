package configs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestNATSCityConfigRuns: configs/nats-city.conf, laid out as the city
// compose file mounts it (/etc/camwatch) next to the authorization
// `camwatch nats creds` makes for edge-city.yaml (/var/lib/camwatch/auth),
// names each node by NATS_NAME and routes to the three nodes; three
// servers started from it (only the ports and routes moved to loopback)
// form a JetStream cluster where the aggregator's credentials make a
// stream with 3 replicas and the edge's credentials publish into it.
func TestNATSCityConfigRuns(t *testing.T) {
	dir := t.TempDir()
	etc, authDir := filepath.Join(dir, "etc", "camwatch"), filepath.Join(dir, "var", "lib", "camwatch", "auth")
	conf, err := os.ReadFile("nats-city.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "nats-city.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIMCAM_PASSWORD", "compose-test")
	var ed configs.Edge
	if err := configs.Load("edge-city.yaml", &ed); err != nil {
		t.Fatal(err)
	}
	res, err := natsauth.Generate(natsauth.Plan{Dir: authDir, Agents: []natsauth.Agent{{Site: ed.Site, Agent: ed.Agent}}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"nats-1", "nats-2", "nats-3"}
	ports := testenv.FreePorts(t, 6)
	var routes, urls []string
	for i := range names {
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(ports[3+i]))
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(ports[i]))
	}
	// Each node parses the shipped file as it is (name, cluster, routes,
	// store, authorization); then the same file with the compose
	// network's addresses replaced by loopback ports runs.
	var servers []*server.Server
	for i, name := range names {
		t.Setenv("NATS_NAME", name)
		o, err := server.ProcessConfigFile(filepath.Join(etc, "nats-city.conf"))
		if err != nil {
			t.Fatalf("nats-city.conf as %s: %v", name, err)
		}
		var hosts []string
		for _, r := range o.Routes {
			hosts = append(hosts, r.Host)
		}
		if o.ServerName != name || o.Cluster.Name != "camwatch-city" || o.Port != 4222 || o.Cluster.Port != 6222 ||
			!o.JetStream || o.StoreDir != "/data" || !slices.Equal(hosts, []string{"nats-1:6222", "nats-2:6222", "nats-3:6222"}) {
			t.Fatalf("%s: name %q, cluster %q, port %d, cluster port %d, jetstream %v in %q, routes %v",
				name, o.ServerName, o.Cluster.Name, o.Port, o.Cluster.Port, o.JetStream, o.StoreDir, hosts)
		}
		local := strings.NewReplacer("0.0.0.0:4222", "127.0.0.1:"+strconv.Itoa(ports[i]),
			"0.0.0.0:6222", "127.0.0.1:"+strconv.Itoa(ports[3+i]), "http: 0.0.0.0:8222", "",
			"nats-1:6222", routes[0], "nats-2:6222", routes[1], "nats-3:6222", routes[2],
			"store_dir: /data", "store_dir: "+strconv.Quote(filepath.Join(dir, "js-"+name))).Replace(string(conf))
		f := filepath.Join(etc, name+".conf")
		if err := os.WriteFile(f, []byte(local), 0o644); err != nil {
			t.Fatal(err)
		}
		if o, err = server.ProcessConfigFile(f); err != nil {
			t.Fatal(err)
		}
		o.NoSigs, o.NoLog = true, true
		srv, err := server.NewServer(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		go srv.Start()
		t.Cleanup(srv.Shutdown)
		servers = append(servers, srv)
	}
	for i, srv := range servers {
		if !srv.ReadyForConnections(10 * time.Second) {
			t.Fatalf("%s not ready", names[i])
		}
	}
	all := urls[0] + "," + urls[1] + "," + urls[2]
	connect := func(creds, inbox string) jetstream.JetStream {
		opts, err := natsauth.ClientOptions(configs.NATS{URL: all, CredsFile: creds}, inbox)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nats.Connect(all, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	agg := connect(res.AggregatorCreds, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	testenv.Eventually(t, 45*time.Second, func() error { // until the meta leader is elected
		c, cancel := context.WithTimeout(ctx, 3*time.Second) // a request before that waits for it
		defer cancel()
		_, err := agg.CreateOrUpdateStream(c, jetstream.StreamConfig{Name: "CITY", Subjects: []string{"camwatch.agents.>"}, Replicas: 3})
		return err
	})
	edge := connect(res.AgentCreds[ed.Site+"/"+ed.Agent], event.AgentInboxPrefix(ed.Site, ed.Agent))
	hb := &event.Event{Kind: event.KindHeartbeat, Site: ed.Site, Agent: ed.Agent}
	if _, err := edge.Publish(ctx, event.Subject(hb), []byte("{}")); err != nil {
		t.Fatalf("the edge publishes its heartbeat subject: %v", err)
	}
	s, err := agg.Stream(ctx, "CITY")
	if err != nil {
		t.Fatal(err)
	}
	info := s.CachedInfo()
	if info.State.Msgs != 1 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream: %d messages, cluster %+v; want 1 message on a leader and 2 replicas", info.State.Msgs, info.Cluster)
	}
}

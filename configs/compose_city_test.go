package configs

import (
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// cityNATS and cityRedis are the city deployment's nodes.
var (
	cityNATS  = []string{"nats-1", "nats-2", "nats-3"}
	cityRedis = []string{"redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"}
)

// TestComposeCityAgreesWithConfigs reads docker-compose.city.yml (no
// Docker engine runs here) and checks it against configs/: three NATS
// nodes on configs/nats-city.conf, each its own name and store; six Redis
// nodes made one cluster with a replica per primary, the password only on
// stdin and in the environment; two aggregators on one config that lists
// every node of both; the edge on all three NATS nodes; and the city
// configs equal to the single-host ones but for the city's keys.
// TestNATSCityConfigRuns starts the NATS config itself.
func TestComposeCityAgreesWithConfigs(t *testing.T) {
	t.Setenv("SIMCAM_PASSWORD", "compose-test")
	t.Setenv("REDIS_PASSWORD", "compose-test")
	data, err := os.ReadFile("../docker-compose.city.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatalf("docker-compose.city.yml: %v", err)
	}
	want := append(append([]string{"nats-auth", "alerts-key", "evidence-key", "redis-cluster", "aggregator-1", "aggregator-2", "edge", "simcam"}, cityNATS...), cityRedis...)
	for _, name := range want {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	const authDir = "/var/lib/camwatch/auth"
	for _, name := range append(slices.Clone(cityNATS), cityRedis...) {
		s := cf.Services[name]
		if len(s.Ports) > 0 {
			t.Errorf("%s publishes %v to the host; it must publish no port", name, s.Ports)
		}
		if !mounts(s.Volumes, "/data") || slices.ContainsFunc(s.Volumes, func(v string) bool {
			return strings.HasSuffix(v, ":/data") && !strings.HasPrefix(v, name+"-data:")
		}) {
			t.Errorf("%s: no volume of its own on /data: %v", name, s.Volumes)
		}
	}
	for _, name := range cityNATS {
		s := cf.Services[name]
		if !strings.HasPrefix(s.Image, "nats:2.12") {
			t.Errorf("%s image %q, want a 2.12 image", name, s.Image)
		}
		if cmd := strings.Join(s.Command, " "); cmd != "-c /etc/camwatch/nats-city.conf" {
			t.Errorf("%s command %q, want the city config", name, cmd)
		}
		if s.Environment["NATS_NAME"] != name {
			t.Errorf("%s: NATS_NAME %q, want its service name", name, s.Environment["NATS_NAME"])
		}
		if !contains(s.Volumes, "./configs:/etc/camwatch:ro") || !mounts(s.Volumes, authDir) {
			t.Errorf("%s: configs/ or the authorization volume not mounted: %v", name, s.Volumes)
		}
		if !publishes(s.Expose, "4222") || !publishes(s.Expose, "6222") {
			t.Errorf("%s exposes %v, want the client and cluster ports", name, s.Expose)
		}
	}
	for _, name := range cityRedis {
		s := cf.Services[name]
		cmd := strings.Join(s.Command, " ")
		for _, w := range []string{"requirepass", "masterauth", "cluster-enabled yes", "$$REDIS_PASSWORD", "$$REDIS_NODE", "redis-server -"} {
			if !strings.Contains(cmd, w) {
				t.Errorf("%s: command lacks %q (password from $REDIS_PASSWORD through stdin, cluster mode)", name, w)
			}
		}
		if s.Environment["REDIS_NODE"] != name || !strings.HasPrefix(s.Environment["REDIS_PASSWORD"], "${REDIS_PASSWORD:?") {
			t.Errorf("%s: environment %v, want REDIS_NODE its name and the password required", name, s.Environment)
		}
		if !publishes(s.Expose, "6379") {
			t.Errorf("%s exposes %v, want 6379", name, s.Expose)
		}
	}
	create := strings.Join(cf.Services["redis-cluster"].Command, " ")
	for _, w := range append([]string{"--cluster create", "--cluster-replicas 1"}, cityRedis...) {
		if !strings.Contains(create, w) {
			t.Errorf("redis-cluster: command lacks %q", w)
		}
	}
	if v := cf.Services["redis-cluster"].Environment["REDISCLI_AUTH"]; !strings.HasPrefix(v, "${REDIS_PASSWORD:?") || strings.Contains(create, " -a ") {
		t.Errorf("redis-cluster: the password must come from REDISCLI_AUTH (%q), never -a", v)
	}

	// Both aggregators run one config; it names every node.
	var aggCfg string
	hostPorts := map[string]bool{}
	for _, name := range []string{"aggregator-1", "aggregator-2"} {
		s := cf.Services[name]
		if len(s.Command) < 3 || s.Command[0] != "aggregator" || s.Command[1] != "-config" {
			t.Fatalf("%s: command %q", name, s.Command)
		}
		if aggCfg != "" && s.Command[2] != aggCfg {
			t.Errorf("%s runs %s, the other %s: replicas must share one config", name, s.Command[2], aggCfg)
		}
		aggCfg = s.Command[2]
		if !mounts(s.Volumes, authDir) || !strings.HasPrefix(s.Environment["REDIS_PASSWORD"], "${REDIS_PASSWORD:?") {
			t.Errorf("%s: no authorization volume or no REDIS_PASSWORD", name)
		}
		for _, p := range s.Ports {
			host := strings.Split(p, ":")[0]
			if hostPorts[host] {
				t.Errorf("%s publishes host port %s again", name, host)
			}
			hostPorts[host] = true
		}
	}
	var agg Aggregator
	if err := Load(strings.TrimPrefix(aggCfg, "/etc/camwatch/"), &agg); err != nil {
		t.Fatal(err)
	}
	var ed Edge
	edCmd := cf.Services["edge"].Command
	if len(edCmd) < 3 || edCmd[0] != "edge" {
		t.Fatalf("edge command %q", edCmd)
	}
	if err := Load(strings.TrimPrefix(edCmd[2], "/etc/camwatch/"), &ed); err != nil {
		t.Fatal(err)
	}
	everyNode := func(who, list string) {
		t.Helper()
		var hosts []string
		for _, one := range strings.Split(list, ",") {
			u, err := url.Parse(strings.TrimSpace(one))
			if err != nil || u.Port() != "4222" {
				t.Errorf("%s: %q is not a node's client port", who, one)
				continue
			}
			hosts = append(hosts, u.Hostname())
		}
		if slices.Sort(hosts); !slices.Equal(hosts, cityNATS) {
			t.Errorf("%s lists %v, want every NATS node %v", who, hosts, cityNATS)
		}
	}
	everyNode("aggregator nats.url", agg.NATS.URL)
	everyNode("edge nats.url", ed.NATS.URL)
	var nodes []string
	for _, a := range agg.Redis.Cluster {
		nodes = append(nodes, strings.TrimSuffix(a, ":6379"))
	}
	if !slices.Equal(nodes, cityRedis) {
		t.Errorf("aggregator redis.cluster %v, want every node %v on 6379", agg.Redis.Cluster, cityRedis)
	}
	if agg.Redis.WaitReplicas < 1 || agg.Stream.Replicas != 3 || agg.Redis.PasswordEnv != "REDIS_PASSWORD" {
		t.Errorf("aggregator: wait_replicas %d, stream.replicas %d, password_env %q: want >= 1, 3, REDIS_PASSWORD",
			agg.Redis.WaitReplicas, agg.Stream.Replicas, agg.Redis.PasswordEnv)
	}
	if want := authDir + "/agents/" + ed.Site + "." + ed.Agent + ".creds"; ed.NATS.CredsFile != want {
		t.Errorf("edge nats.creds_file %q, want %q", ed.NATS.CredsFile, want)
	}
	gen := cf.Services["nats-auth"].Command
	if !contains(gen, edCmd[2]) || !contains(gen, authDir) {
		t.Errorf("nats-auth %q must make the credentials of %s into %s", gen, edCmd[2], authDir)
	}
	if keyCmd := cf.Services["alerts-key"].Command; !contains(keyCmd, agg.Alerts.SigningKey) {
		t.Errorf("alerts-key %q does not make alerts.signing_key %s", keyCmd, agg.Alerts.SigningKey)
	}
	if keyCmd := cf.Services["evidence-key"].Command; !contains(keyCmd, agg.Evidence.Key) {
		t.Errorf("evidence-key %q does not make evidence.key %s", keyCmd, agg.Evidence.Key)
	}
	for _, s := range cf.Services {
		for _, v := range s.Volumes {
			if src := strings.SplitN(v, ":", 2)[0]; !strings.HasPrefix(src, ".") {
				if _, ok := cf.Volumes[src]; !ok {
					t.Errorf("volume %s is used but not declared", src)
				}
			}
		}
	}

	// The city configs are the single-host ones but for the city's keys.
	sameBut := func(city, single string, keys ...string) {
		t.Helper()
		read := func(f string) map[string]any {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := yaml.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for _, k := range keys {
				top, sub, nested := strings.Cut(k, ".")
				if !nested {
					delete(m, top)
				} else if mm, ok := m[top].(map[string]any); ok {
					delete(mm, sub)
				}
			}
			return m
		}
		if a, b := read(city), read(single); !reflect.DeepEqual(a, b) {
			for k := range b {
				if !reflect.DeepEqual(a[k], b[k]) {
					t.Errorf("%s differs from %s in %s: %s", city, single, k, fmt.Sprint(a[k]))
				}
			}
		}
	}
	sameBut("aggregator-city.yaml", "aggregator.yaml", "nats.url", "redis", "stream.replicas", "mqtt")
	sameBut("edge-city.yaml", "edge.yaml", "nats.url")
}

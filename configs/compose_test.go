package configs

import (
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// No Docker engine runs on the build machines, so this test reads
// docker-compose.yml and checks that it agrees with the shipped configs:
// the services exist, they mount configs/, the files they name are here,
// and every address one config gives is a service and port the compose
// file provides.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Ports       []string          `yaml:"ports"`
		Expose      []string          `yaml:"expose"`
		DependsOn   any               `yaml:"depends_on"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeAgreesWithConfigs(t *testing.T) {
	t.Setenv("SIMCAM_PASSWORD", "compose-test")
	t.Setenv("MQTT_BRIDGE_PASSWORD", "mqtt-test")
	t.Setenv("REDIS_PASSWORD", "compose-test")
	data, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(data, &cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for _, name := range []string{"nats", "redis", "aggregator", "edge", "simcam"} {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	if img := cf.Services["nats"].Image; !strings.HasPrefix(img, "nats:2.12") {
		t.Errorf("nats image %q, want a 2.12 image", img)
	}
	// NATS and Redis are reachable by the other services only.
	for _, name := range []string{"nats", "redis"} {
		if p := cf.Services[name].Ports; len(p) > 0 {
			t.Errorf("%s publishes %v to the host; it must publish no port", name, p)
		}
	}
	// NATS runs the config `camwatch nats creds` made on the shared volume.
	const authDir = "/var/lib/camwatch/auth"
	if cmd := strings.Join(cf.Services["nats"].Command, " "); cmd != "-c "+authDir+"/nats-server.conf" {
		t.Errorf("nats command %q, want the generated config", cmd)
	}
	gen := cf.Services["nats-auth"]
	if len(gen.Command) < 4 || gen.Command[0] != "nats" || gen.Command[1] != "creds" || !contains(gen.Command, authDir) ||
		!contains(gen.Command, "/etc/camwatch/edge.yaml") || !contains(gen.Command, "/data") {
		t.Errorf("nats-auth command %q must generate into %s for edge.yaml with the store on /data", gen.Command, authDir)
	}
	for _, name := range []string{"nats-auth", "alerts-key", "nats", "aggregator", "edge"} {
		if !mounts(cf.Services[name].Volumes, authDir) {
			t.Errorf("%s does not mount the authorization volume at %s", name, authDir)
		}
	}
	if !mounts(cf.Services["nats"].Volumes, "/data") {
		t.Errorf("nats has no volume on /data")
	}
	// Redis demands the password the aggregator sends, given on stdin.
	rcmd := strings.Join(cf.Services["redis"].Command, " ")
	if !strings.Contains(rcmd, "requirepass") || !strings.Contains(rcmd, "$$REDIS_PASSWORD") || !strings.Contains(rcmd, "redis-server -") {
		t.Errorf("redis command %q must set requirepass from $REDIS_PASSWORD through stdin", rcmd)
	}
	for _, name := range []string{"redis", "aggregator"} {
		if v := cf.Services[name].Environment["REDIS_PASSWORD"]; !strings.HasPrefix(v, "${REDIS_PASSWORD:?") {
			t.Errorf("%s: REDIS_PASSWORD is %q, want it required from the environment", name, v)
		}
	}
	if !mounts(cf.Services["nats"].Volumes, "/data") {
		t.Errorf("nats has no volume on /data")
	}

	// Each camwatch role runs from the one Dockerfile with a config in configs/.
	loaded := map[string]Validator{"aggregator": &Aggregator{}, "edge": &Edge{}, "simcam": &Simcam{}}
	for role, v := range loaded {
		s := cf.Services[role]
		if s.Build == nil {
			t.Errorf("%s: not built from the Dockerfile", role)
		}
		if len(s.Command) < 3 || s.Command[0] != role || s.Command[1] != "-config" {
			t.Fatalf("%s: command %q, want [%s -config FILE]", role, s.Command, role)
		}
		cfgPath := s.Command[2]
		if path.Dir(cfgPath) != "/etc/camwatch" {
			t.Errorf("%s: config %s is not under /etc/camwatch", role, cfgPath)
		}
		if !contains(s.Volumes, "./configs:/etc/camwatch:ro") {
			t.Errorf("%s: configs/ is not mounted at /etc/camwatch", role)
		}
		raw, err := os.ReadFile(path.Base(cfgPath))
		if err != nil {
			t.Fatalf("%s: config %s is not in configs/: %v", role, cfgPath, err)
		}
		if err := Parse(raw, v); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
	}
	agg := loaded["aggregator"].(*Aggregator)
	ed := loaded["edge"].(*Edge)
	sim := loaded["simcam"].(*Simcam)
	if agg.Redis.PasswordEnv != "REDIS_PASSWORD" {
		t.Errorf("aggregator redis.password_env %q, want REDIS_PASSWORD", agg.Redis.PasswordEnv)
	}
	// The credentials the configs name are the files nats-auth writes.
	if want := authDir + "/agents/" + ed.Site + "." + ed.Agent + ".creds"; ed.NATS.CredsFile != want {
		t.Errorf("edge nats.creds_file %q, want %q", ed.NATS.CredsFile, want)
	}
	if want := authDir + "/aggregator.creds"; agg.NATS.CredsFile != want {
		t.Errorf("aggregator nats.creds_file %q, want %q", agg.NATS.CredsFile, want)
	}
	if keyCmd := cf.Services["alerts-key"].Command; !contains(keyCmd, agg.Alerts.SigningKey) || keyCmd[0] != "keygen" {
		t.Errorf("alerts-key %q does not make alerts.signing_key %s", keyCmd, agg.Alerts.SigningKey)
	}

	checkAddr := func(who, rawURL, service string) {
		t.Helper()
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		if u.Hostname() != service {
			t.Errorf("%s: host %q is not the compose service %q", who, u.Hostname(), service)
		}
		if svc := cf.Services[service]; !publishes(svc.Ports, u.Port()) && !publishes(svc.Expose, u.Port()) {
			t.Errorf("%s: port %s is not one service %s provides (%v %v)", who, u.Port(), service, svc.Ports, svc.Expose)
		}
	}
	checkAddr("aggregator nats.url", agg.NATS.URL, "nats")
	checkAddr("edge nats.url", ed.NATS.URL, "nats")
	checkAddr("aggregator redis.url", agg.Redis.URL, "redis")
	checkListen := func(who, addr, service string) {
		t.Helper()
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		if !publishes(cf.Services[service].Ports, port) {
			t.Errorf("%s: %s listens on %s, which compose does not publish", service, who, port)
		}
	}
	checkListen("listen", agg.Listen, "aggregator")
	checkListen("metrics_listen", ed.MetricsListen, "edge")
	checkListen("control", sim.Control, "simcam")

	// Every edge camera is a simulated camera, on the port simcam gives it.
	_, basePort, _ := net.SplitHostPort(sim.Listen)
	base, _ := strconv.Atoi(basePort)
	simPort := map[string]int{}
	for i, c := range sim.Cameras {
		p := base + i
		if c.Port != 0 {
			p = c.Port
		}
		simPort[c.ID] = p
	}
	for _, c := range ed.Cameras {
		u, _ := url.Parse(c.URL)
		want, ok := simPort[c.ID]
		if !ok {
			t.Errorf("edge camera %s is not a simcam camera", c.ID)
			continue
		}
		if u.Port() != strconv.Itoa(want) || u.Path != "/"+c.ID {
			t.Errorf("edge camera %s: url %s, but simcam serves it at :%d/%s", c.ID, c.PublicURL(), want, c.ID)
		}
		checkAddr("edge camera "+c.ID, c.URL, "simcam")
		if env := c.PasswordEnv; env != "" {
			if _, ok := cf.Services["edge"].Environment[env]; !ok {
				t.Errorf("edge camera %s: password_env %s is not set in the edge service", c.ID, env)
			}
		}
	}
	if sim.PasswordEnv != "" {
		if _, ok := cf.Services["simcam"].Environment[sim.PasswordEnv]; !ok {
			t.Errorf("simcam password_env %s is not set in the simcam service", sim.PasswordEnv)
		}
	}
	// The spool survives container restarts.
	if !mounts(cf.Services["edge"].Volumes, ed.SpoolDir) {
		t.Errorf("edge spool_dir %s is not on a volume", ed.SpoolDir)
	}
	for _, s := range cf.Services {
		for _, v := range s.Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := cf.Volumes[src]; !ok {
					t.Errorf("volume %s is used but not declared", src)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mounts(volumes []string, dir string) bool {
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == dir {
			return true
		}
	}
	return false
}

// publishes reports whether a compose port list ("8080:8080",
// "8554-8559:8554-8559") exposes container port p.
func publishes(ports []string, p string) bool {
	want, err := strconv.Atoi(p)
	if err != nil {
		return false
	}
	for _, spec := range ports {
		parts := strings.Split(spec, ":")
		container := parts[len(parts)-1]
		lo, hi, found := strings.Cut(container, "-")
		l, err1 := strconv.Atoi(lo)
		h := l
		var err2 error
		if found {
			h, err2 = strconv.Atoi(hi)
		}
		if err1 == nil && err2 == nil && want >= l && want <= h {
			return true
		}
	}
	return false
}

package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/natsauth"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// runNATS is `camwatch nats creds`: the server's authorization block (for
// a standalone nats-server and the embedded one) and one credentials file
// per agent, for agents named with -agent or read from edge config files.
func runNATS(args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "creds" && args[0] != "config") {
		return fmt.Errorf("%w: camwatch nats creds -out DIR [-agent SITE/AGENT[:CAM,...]]... [-rotate SITE/AGENT|aggregator]... [EDGE.yaml...]", errUsage)
	}
	fs := flag.NewFlagSet("nats creds", flag.ContinueOnError)
	var plan natsauth.Plan
	var agents, rotate, passwords, mqttUsers, mqttBridges stringList
	fs.StringVar(&plan.Dir, "out", "", "output `dir`: auth.conf, nats-server.conf, aggregator.creds, agents/SITE.AGENT.creds (required)")
	fs.Var(&agents, "agent", "an agent as `site/agent` or site/agent:cam-1,cam-2 to pin its cameras (repeatable)")
	fs.Var(&rotate, "rotate", "replace the key of `site/agent` or \"aggregator\" (repeatable)")
	fs.Var(&passwords, "password-user", "add `name=ENV`: a user with the aggregator's rights whose password the server reads from $ENV (repeatable)")
	fs.Var(&mqttBridges, "mqtt-bridge", "add `name=ENV`: the MQTT bridge user (the aggregator's mqtt.username), password from $ENV (repeatable)")
	fs.Var(&mqttUsers, "mqtt-user", "add `name=ENV`: an MQTT reader (Home Assistant), password from $ENV (repeatable)")
	fs.StringVar(&plan.MQTTListen, "mqtt-listen", "", "turn on the MQTT listener in nats-server.conf on `host:port` (e.g. 0.0.0.0:1883)")
	fs.StringVar(&plan.Listen, "listen", "", "listen address in nats-server.conf (default 0.0.0.0:4222)")
	fs.StringVar(&plan.StoreDir, "store-dir", "", "JetStream store_dir in nats-server.conf (default ./jetstream)")
	pinCameras := fs.Bool("pin-cameras", false, "with edge config files: allow each agent only the cameras its file lists")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if plan.Dir == "" {
		return fmt.Errorf("%w: -out DIR is required", errUsage)
	}
	for _, a := range agents {
		ag, err := natsauth.ParseAgent(a)
		if err != nil {
			return fmt.Errorf("%w: -agent: %v", errUsage, err)
		}
		plan.Agents = append(plan.Agents, ag)
	}
	for _, path := range fs.Args() {
		// Only the identity: the cameras' passwords are not needed (nor,
		// where the server's authorization is made, there).
		c, err := configs.LoadEdgeIdentity(path)
		if err != nil {
			return err
		}
		ag := natsauth.Agent{Site: c.Site, Agent: c.Agent}
		if *pinCameras {
			ag.Cameras = append(ag.Cameras, c.Cameras...)
		}
		plan.Agents = append(plan.Agents, ag)
	}
	for _, p := range passwords {
		name, env, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("%w: -password-user %q: want name=ENV", errUsage, p)
		}
		plan.Passwords = append(plan.Passwords, natsauth.PasswordUser{Name: name, PasswordEnv: env})
	}
	for _, list := range []struct {
		flag   string
		v      stringList
		bridge bool
	}{{"-mqtt-bridge", mqttBridges, true}, {"-mqtt-user", mqttUsers, false}} {
		for _, p := range list.v {
			name, env, ok := strings.Cut(p, "=")
			if !ok {
				return fmt.Errorf("%w: %s %q: want name=ENV", errUsage, list.flag, p)
			}
			plan.MQTT = append(plan.MQTT, natsauth.MQTTUser{Name: name, PasswordEnv: env, Bridge: list.bridge})
		}
	}
	plan.Rotate = rotate
	res, err := natsauth.Generate(plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "authorization block: %s (include it in a nats-server config; the embedded server reads it too)\n", res.AuthFile)
	fmt.Fprintf(out, "standalone config:   %s\n", res.ServerFile)
	fmt.Fprintf(out, "aggregator:          %s\n", res.AggregatorCreds)
	keys := make([]string, 0, len(res.AgentCreds))
	for k := range res.AgentCreds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "agent %-13s %s\n", k+":", res.AgentCreds[k])
	}
	if len(res.Created) > 0 {
		fmt.Fprintf(out, "new keys: %s\n", strings.Join(res.Created, ", "))
	}
	if len(res.Rotated) > 0 {
		fmt.Fprintf(out, "rotated: %s (reload the NATS server: nats-server --signal reload, or SIGHUP)\n", strings.Join(res.Rotated, ", "))
	}
	return nil
}

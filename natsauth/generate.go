package natsauth

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/camwatch/camwatch/event"
	"github.com/nats-io/nkeys"
)

// ErrPlan is wrapped by every error about an unusable list of agents.
var ErrPlan = errors.New("natsauth: bad plan")

// Account is the NATS account camwatch's users live in; JetStream is
// enabled for it.
const Account = "CAMWATCH"

// File names inside a generated directory.
const (
	// AuthFile is the authorization block: the account and its users with
	// their permissions. Both the standalone server config and the
	// embedded server read it.
	AuthFile = "auth.conf"
	// ServerFile is a complete standalone nats-server config that
	// includes AuthFile.
	ServerFile = "nats-server.conf"
	// AggregatorCreds is the aggregator's credentials file.
	AggregatorCreds = "aggregator.creds"
	// AgentsDir holds one credentials file per agent.
	AgentsDir = "agents"
)

// Agent is one edge agent to make credentials for. With Cameras set, its
// permissions name those cameras only.
type Agent struct {
	Site, Agent string
	Cameras     []string
}

// Key is "site/agent", how agents are named on the command line.
func (a Agent) Key() string { return a.Site + "/" + a.Agent }

// ParseAgent reads "site/agent" or "site/agent:cam-1,cam-2".
func ParseAgent(s string) (Agent, error) {
	name, cams, _ := strings.Cut(s, ":")
	site, agent, ok := strings.Cut(name, "/")
	if !ok || !event.ValidToken(site) || !event.ValidToken(agent) {
		return Agent{}, fmt.Errorf("%w: %q: want site/agent[:camera,...] with ids of letters, digits, '-' or '_'", ErrPlan, s)
	}
	a := Agent{Site: site, Agent: agent}
	if cams != "" {
		for c := range strings.SplitSeq(cams, ",") {
			if !event.ValidToken(c) {
				return Agent{}, fmt.Errorf("%w: %q: camera %q is not a valid id", ErrPlan, s, c)
			}
			a.Cameras = append(a.Cameras, c)
		}
	}
	return a, nil
}

// PasswordUser is a user authenticated by name and password, with the
// aggregator's permissions; the password is written into the config as
// an environment variable reference ($NAME), never as its value.
type PasswordUser struct {
	Name        string
	PasswordEnv string
	// Password, when PasswordEnv is empty, is written into the file as is
	// (test servers only: the file is then a secret).
	Password string
}

// MQTTUser is a user of nats-server's MQTT listener (Home Assistant, a
// dashboard) and nothing else: allowed_connection_types MQTT, in an
// account of its own (MQTTAccount), name and password like PasswordUser.
// Readers may only subscribe; the Bridge user (the aggregator's MQTT
// bridge) also publishes camwatch's topics. Neither sees events, alerts
// or camwatch's JetStream.
type MQTTUser struct {
	Name, PasswordEnv, Password string
	Bridge                      bool
}

// MQTTAccount holds the MQTT users, apart from camwatch's events,
// alerts and JetStream: an MQTT client there sees only what the bridge
// publishes, whatever topic filter it subscribes with.
const MQTTAccount = "CAMWATCH_MQTT"

// Plan is what Generate writes.
type Plan struct {
	// Dir receives the files; existing credentials in it are kept, so
	// running Generate again with more agents changes nobody else's keys.
	Dir    string
	Agents []Agent
	// Rotate lists agents ("site/agent") and "aggregator" whose keys are
	// replaced by new ones.
	Rotate []string
	// Passwords adds users with the aggregator's rights (e.g. a compose
	// deployment whose password comes from the environment).
	Passwords []PasswordUser
	// MQTT adds users of the MQTT listener; MQTTListen, when set, turns
	// the listener on in the standalone server config.
	MQTT       []MQTTUser
	MQTTListen string
	// Listen and StoreDir go into the standalone server config; defaults
	// 0.0.0.0:4222 and ./jetstream.
	Listen   string
	StoreDir string
}

// Result says what Generate wrote.
type Result struct {
	AuthFile, ServerFile, AggregatorCreds string
	// AgentCreds maps "site/agent" to its credentials file.
	AgentCreds map[string]string
	// Created and Rotated name the identities whose keys are new.
	Created, Rotated []string
}

// Generate writes the authorization block, the standalone config and the
// credentials files for p. Credentials files are mode 0600.
func Generate(p Plan) (*Result, error) {
	if p.Dir == "" {
		return nil, fmt.Errorf("%w: no output directory", ErrPlan)
	}
	if p.Listen == "" {
		p.Listen = "0.0.0.0:4222"
	}
	if p.StoreDir == "" {
		p.StoreDir = "./jetstream"
	}
	seen := map[string]bool{}
	siteOf := map[string]string{} // agent id -> its site
	for _, a := range p.Agents {
		if !event.ValidToken(a.Site) || !event.ValidToken(a.Agent) {
			return nil, fmt.Errorf("%w: agent %q", ErrPlan, a.Key())
		}
		if seen[a.Key()] {
			return nil, fmt.Errorf("%w: agent %s listed twice", ErrPlan, a.Key())
		}
		// Camera ids are unique per site only, agent ids across sites:
		// the aggregator keys an agent's heartbeats, epochs and losses
		// by its id (docs/redis.md).
		if s, ok := siteOf[a.Agent]; ok {
			return nil, fmt.Errorf("%w: agent id %s is at sites %s and %s: agent ids must be unique across sites (camera ids need only be unique per site)", ErrPlan, a.Agent, s, a.Site)
		}
		seen[a.Key()] = true
		siteOf[a.Agent] = a.Site
	}
	for _, r := range p.Rotate {
		if r != "aggregator" && !seen[r] {
			return nil, fmt.Errorf("%w: cannot rotate %q: not among the agents", ErrPlan, r)
		}
	}
	for _, u := range p.Passwords {
		if !event.ValidToken(u.Name) || !envName(u.PasswordEnv) && (u.PasswordEnv != "" || u.Password == "") {
			return nil, fmt.Errorf("%w: password user %q with variable %q", ErrPlan, u.Name, u.PasswordEnv)
		}
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, AgentsDir), 0o700); err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	res := &Result{
		AuthFile: filepath.Join(p.Dir, AuthFile), ServerFile: filepath.Join(p.Dir, ServerFile),
		AggregatorCreds: filepath.Join(p.Dir, AggregatorCreds), AgentCreds: map[string]string{},
	}
	key := func(name, path string) (string, error) {
		pub, created, err := userKey(path, slices.Contains(p.Rotate, name))
		if err != nil {
			return "", err
		}
		switch {
		case created && slices.Contains(p.Rotate, name):
			res.Rotated = append(res.Rotated, name)
		case created:
			res.Created = append(res.Created, name)
		}
		return pub, nil
	}
	var users []string
	aggPub, err := key("aggregator", res.AggregatorCreds)
	if err != nil {
		return nil, err
	}
	users = append(users, "      # the aggregator: the only user that may publish alert transitions and commands\n"+
		"      {nkey: "+aggPub+", permissions: "+aggregatorPermissions+"}")
	for _, u := range p.Passwords {
		pw, from := "$"+u.PasswordEnv, "password from $"+u.PasswordEnv
		if u.PasswordEnv == "" {
			pw, from = strconv.Quote(u.Password), "literal password"
		}
		users = append(users, "      # "+u.Name+": the aggregator's rights, "+from+"\n"+
			"      {user: "+strconv.Quote(u.Name)+", password: "+pw+", permissions: "+aggregatorPermissions+"}")
	}
	for _, a := range p.Agents {
		path := filepath.Join(p.Dir, AgentsDir, a.Site+"."+a.Agent+".creds")
		pub, err := key(a.Key(), path)
		if err != nil {
			return nil, err
		}
		res.AgentCreds[a.Key()] = path
		users = append(users, "      # agent "+a.Key()+"\n      {nkey: "+pub+", permissions: "+agentPermissions(a)+"}")
	}
	var auth bytes.Buffer
	auth.WriteString("# camwatch NATS authorization, made by `camwatch nats creds`; regenerate rather than edit.\n")
	auth.WriteString("# Edge agents may publish only their own subjects and read only their own publish acks.\n")
	var mqttUsers []string
	for _, u := range p.MQTT {
		if !event.ValidToken(u.Name) || !envName(u.PasswordEnv) && (u.PasswordEnv != "" || u.Password == "") {
			return nil, fmt.Errorf("%w: mqtt user %q with variable %q", ErrPlan, u.Name, u.PasswordEnv)
		}
		pw, from := "$"+u.PasswordEnv, "password from $"+u.PasswordEnv
		if u.PasswordEnv == "" {
			pw, from = strconv.Quote(u.Password), "literal password"
		}
		// Readers publish nothing of their own; the bridge publishes the
		// topics. Subscriptions stay inside this account.
		perms, role := `{publish: {deny: [">"]}, subscribe: {allow: [">"]}}`, "reads camwatch's MQTT topics"
		if u.Bridge {
			perms, role = `{publish: {allow: ["camwatch.>", "homeassistant.>"]}, subscribe: {allow: [">"]}}`, "the MQTT bridge: publishes camwatch's topics"
		}
		mqttUsers = append(mqttUsers, "      # "+u.Name+": "+role+", "+from+"\n"+
			"      {user: "+strconv.Quote(u.Name)+", password: "+pw+", allowed_connection_types: [\"MQTT\"], permissions: "+perms+"}")
	}
	fmt.Fprintf(&auth, "accounts {\n  %s {\n    jetstream: enabled\n    users: [\n%s\n    ]\n  }\n", Account, strings.Join(users, "\n"))
	if len(mqttUsers) > 0 {
		auth.WriteString("  # MQTT clients (Home Assistant, Frigate) only, apart from everything above (docs/mqtt.md).\n")
		fmt.Fprintf(&auth, "  %s {\n    jetstream: enabled\n    users: [\n%s\n    ]\n  }\n", MQTTAccount, strings.Join(mqttUsers, "\n"))
	}
	auth.WriteString("}\n")
	if err := writeFile(res.AuthFile, auth.Bytes(), 0o600); err != nil {
		return nil, err
	}
	mqttBlock := ""
	if p.MQTTListen != "" {
		mqttBlock = "# MQTT for Home Assistant and Frigate users (docs/mqtt.md).\nmqtt {\n  listen: " + strconv.Quote(p.MQTTListen) + "\n}\n"
	}
	server := fmt.Sprintf(`# A standalone nats-server for camwatch (nats-server -c %s).
# Add tls { cert_file, key_file, ca_file } to require TLS; see docs/operations.md.
listen: %s
server_name: camwatch
jetstream {
  store_dir: %s
}
%sinclude %s
`, ServerFile, strconv.Quote(p.Listen), strconv.Quote(p.StoreDir), mqttBlock, AuthFile)
	if err := writeFile(res.ServerFile, []byte(server), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// aggregatorPermissions: everything, alert transitions and commands
// included; nobody else has those.
const aggregatorPermissions = `{publish: {allow: [">"]}, subscribe: {allow: [">"]}}`

// agentPermissions allow an agent its own subjects and its own inbox.
func agentPermissions(a Agent) string {
	q := func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	return fmt.Sprintf("{publish: {allow: %s}, subscribe: {allow: %s}}",
		q(append(event.AgentSubjects(a.Site, a.Agent, a.Cameras...), event.ClipUploadSubjects()...)), q([]string{event.AgentInboxPrefix(a.Site, a.Agent) + ".>"}))
}

// userKey returns the public key of the user seed in path, creating the
// file (or replacing it when rotate) with a new key.
func userKey(path string, rotate bool) (pub string, created bool, err error) {
	if !rotate {
		data, err := os.ReadFile(path)
		if err == nil {
			kp, err := nkeys.ParseDecoratedUserNKey(data)
			if err != nil {
				return "", false, fmt.Errorf("natsauth: %s: %w", path, err)
			}
			pub, err := kp.PublicKey()
			return pub, false, err
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", false, fmt.Errorf("natsauth: %w", err)
		}
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", false, fmt.Errorf("natsauth: new key: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return "", false, fmt.Errorf("natsauth: new key: %w", err)
	}
	if pub, err = kp.PublicKey(); err != nil {
		return "", false, fmt.Errorf("natsauth: new key: %w", err)
	}
	data := "-----BEGIN USER NKEY SEED-----\n" + string(seed) + "\n------END USER NKEY SEED------\n\n" +
		"*************************************************************\n" +
		"NKEY Seed printed above can be used to sign and prove identity.\n" +
		"NKEYs are sensitive and should be treated as secrets.\n" +
		"*************************************************************\n"
	if err := writeFile(path, []byte(data), 0o600); err != nil {
		return "", false, err
	}
	return pub, true, nil
}

// writeFile replaces path atomically.
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	return nil
}

func envName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

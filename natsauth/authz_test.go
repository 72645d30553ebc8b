package natsauth_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/natsauth"
	"github.com/camwatch/camwatch/testenv"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// violations collects the asynchronous permission errors of a connection.
type violations struct {
	mu   sync.Mutex
	errs []string
}

func (v *violations) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errs = append(v.errs, err.Error())
}

func (v *violations) has(sub string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, e := range v.errs {
		if strings.Contains(e, "ermissions violation") && strings.Contains(e, sub) {
			return nil
		}
	}
	return errors.New("no permissions violation for " + sub + " yet: " + strings.Join(v.errs, "; "))
}

// TestAgentCredentials attacks the server as an agent would: with its own
// credentials it may publish its events (and gets JetStream's acks), and
// NATS itself refuses everything else it tries.
func TestAgentCredentials(t *testing.T) {
	env := testenv.NATSAuth(t,
		natsauth.Agent{Site: "q1", Agent: "edge-a"},
		natsauth.Agent{Site: "q1", Agent: "edge-b"},
		natsauth.Agent{Site: "q2", Agent: "edge-c", Cameras: []string{"cam-9"}},
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agg := env.Connect(t, env.Aggregator(), "")
	ajs, err := jetstream.New(agg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ajs.CreateStream(ctx, jetstream.StreamConfig{Name: "EV", Subjects: []string{event.AllEventsSubjects, event.AllAgentsSubjects, event.SnapshotsSubjectRoot + ".>"}}); err != nil {
		t.Fatal(err)
	}
	if err := alerts.EnsureStream(ctx, ajs, alerts.StreamOptions{}); err != nil {
		t.Fatal(err)
	}

	var v violations
	nc := env.Connect(t, env.Agent(t, "q1", "edge-a"), event.AgentInboxPrefix("q1", "edge-a"), nats.ErrorHandler(v.handler))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ev := &event.Event{Site: "q1", Agent: "edge-a", Camera: "cam-1", Kind: event.KindHealth}
	if _, err := js.Publish(ctx, event.Subject(ev), []byte("{}")); err != nil {
		t.Fatalf("own events: %v", err)
	}
	hb := &event.Event{Site: "q1", Agent: "edge-a", Kind: event.KindHeartbeat}
	if _, err := js.Publish(ctx, event.Subject(hb), []byte("{}")); err != nil {
		t.Fatalf("own heartbeat: %v", err)
	}
	if _, err := js.Publish(ctx, event.SnapshotSubject(ev), []byte{0xFF, 0xD8}); err != nil {
		t.Fatalf("own snapshot: %v", err)
	}

	// Clips: the agent uploads into the clips bucket, and cannot purge
	// or delete it.
	if _, err := ajs.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: event.ClipsBucket, MaxBytes: 16 << 20}); err != nil {
		t.Fatal(err)
	}
	clips, err := js.ObjectStore(ctx, event.ClipsBucket)
	if err != nil {
		t.Fatalf("clips bucket with agent credentials: %v", err)
	}
	clipName := event.ClipObject("q1", "edge-a", "cam-1", "0123456789abcdef")
	if _, err := clips.PutBytes(ctx, clipName, []byte("\x00\x00\x00\x18ftypisom")); err != nil {
		t.Fatalf("own clip upload: %v", err)
	}
	if info, err := clips.GetInfo(ctx, clipName); err != nil || info.Size != 12 {
		t.Fatalf("own clip info: %v %v", info, err)
	}

	refused := []struct{ name, subject string }{
		{"a purge of the clips bucket", "$JS.API.STREAM.PURGE.OBJ_" + event.ClipsBucket},
		{"a delete of the clips bucket", "$JS.API.STREAM.DELETE.OBJ_" + event.ClipsBucket},
		// Case holds end only by an admin's audited close (the API): an
		// agent can neither mark a held object deleted, nor purge or drop
		// the holds, nor rewrite or delete a case.
		{"a held object marked deleted", "$O." + evidence.HoldsBucket + ".M.Y2FzZS8xL2V2ZW50cy5qc29ubA=="},
		{"a held object's chunks", "$O." + evidence.HoldsBucket + ".C.x"},
		{"a purge of the case holds", "$JS.API.STREAM.PURGE.OBJ_" + evidence.HoldsBucket},
		{"a delete of the case holds", "$JS.API.STREAM.DELETE.OBJ_" + evidence.HoldsBucket},
		{"a case rewritten", "$KV." + evidence.CasesBucket + ".0123456789abcdef"},
		{"a purge of the cases", "$JS.API.STREAM.PURGE.KV_" + evidence.CasesBucket},
		{"events for another site", "camwatch.events.q2.edge-a.cam-1.health"},
		{"events for another agent", "camwatch.events.q1.edge-b.cam-1.health"},
		{"heartbeat of another agent", "camwatch.agents.q1.edge-b.heartbeat"},
		{"snapshot under another site", "camwatch.snapshots.q2.edge-c.cam-9"},
		{"an alert transition", "camwatch.alerts.q1.cam-1.firing"},
		{"an alert command", alerts.CommandRoot + ".apply"},
		{"a rules reload", alerts.CommandRoot + ".reload"},
		{"the JetStream API", "$JS.API.STREAM.DELETE.EV"},
		{"a dead letter", event.DeadLetter("subject")},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if _, err := js.Publish(pctx, c.subject, []byte("{}")); err == nil {
				t.Fatalf("publish to %s was acknowledged", c.subject)
			}
			testenv.Eventually(t, 5*time.Second, func() error { return v.has(c.subject) })
		})
	}
	t.Run("subscribe to other agents' events", func(t *testing.T) {
		if _, err := nc.SubscribeSync(event.AllEventsSubjects); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 5*time.Second, func() error { return v.has(event.AllEventsSubjects) })
	})
	t.Run("subscribe to the aggregator's replies", func(t *testing.T) {
		if _, err := nc.SubscribeSync("_INBOX.>"); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 5*time.Second, func() error { return v.has("_INBOX.>") })
	})
	t.Run("pinned cameras", func(t *testing.T) {
		var v2 violations
		nc := env.Connect(t, env.Agent(t, "q2", "edge-c"), event.AgentInboxPrefix("q2", "edge-c"), nats.ErrorHandler(v2.handler))
		js, _ := jetstream.New(nc)
		if _, err := js.Publish(ctx, "camwatch.events.q2.edge-c.cam-9.stats", []byte("{}")); err != nil {
			t.Fatalf("pinned camera: %v", err)
		}
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if _, err := js.Publish(pctx, "camwatch.events.q2.edge-c.cam-1.stats", []byte("{}")); err == nil {
			t.Fatal("a camera not pinned was accepted")
		}
		testenv.Eventually(t, 5*time.Second, func() error { return v2.has("camwatch.events.q2.edge-c.cam-1.stats") })
	})

	// Only the three own messages reached the stream.
	st, err := ajs.Stream(ctx, "EV")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 4 { // edge-a's three and edge-c's pinned camera
		t.Errorf("stream holds %d messages, want 4", info.State.Msgs)
	}
	// The aggregator may publish transitions.
	if _, err := ajs.Publish(ctx, "camwatch.alerts.q1.cam-1.firing", []byte("{}")); err != nil {
		t.Errorf("aggregator publishing a transition: %v", err)
	}
}

// TestWrongCredentialsRefused: a connection without credentials, or with
// a key the server does not know, is refused at connect.
func TestWrongCredentialsRefused(t *testing.T) {
	env := testenv.NATSAuth(t, natsauth.Agent{Site: "q1", Agent: "edge-a"})
	if nc, err := nats.Connect(env.URL); err == nil {
		nc.Close()
		t.Fatal("anonymous connection accepted")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("anonymous: %v, want an authorization error", err)
	}
	other := testenv.NATSAuth(t, natsauth.Agent{Site: "q1", Agent: "edge-a"})
	opts, err := natsauth.ClientOptions(other.Agent(t, "q1", "edge-a"), "")
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := nats.Connect(env.URL, opts...); err == nil {
		nc.Close()
		t.Fatal("a key of another deployment was accepted")
	}
}

// TestRotateAgent replaces one agent's key: after the server reloads, the
// old credentials are refused and the new ones work; the other agent's
// key is unchanged.
func TestRotateAgent(t *testing.T) {
	agents := []natsauth.Agent{{Site: "q1", Agent: "edge-a"}, {Site: "q1", Agent: "edge-b"}}
	env := testenv.NATSAuth(t, agents...)
	dir := strings.TrimSuffix(env.Auth.AuthFile, "/"+natsauth.AuthFile)
	// Keep a copy of the old key, as a stolen one would be.
	data, err := os.ReadFile(env.Agent(t, "q1", "edge-a").CredsFile)
	if err != nil {
		t.Fatal(err)
	}
	stolen := filepath.Join(t.TempDir(), "stolen.creds")
	if err := os.WriteFile(stolen, data, 0o600); err != nil {
		t.Fatal(err)
	}
	oldOpts, err := natsauth.ClientOptions(configs.NATS{CredsFile: stolen}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := natsauth.Generate(natsauth.Plan{Dir: dir, Agents: agents, Rotate: []string{"q1/edge-a"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rotated) != 1 || res.Rotated[0] != "q1/edge-a" || len(res.Created) != 0 {
		t.Fatalf("rotated %v, created %v", res.Rotated, res.Created)
	}
	if err := env.Server.Reload(); err != nil {
		t.Fatal(err)
	}
	if nc, err := nats.Connect(env.URL, oldOpts...); err == nil {
		nc.Close()
		t.Error("the rotated-out key still connects")
	}
	if bytes.Equal(data, mustRead(t, env.Agent(t, "q1", "edge-a").CredsFile)) {
		t.Error("rotation left the key file as it was")
	}
	env.Connect(t, env.Agent(t, "q1", "edge-a"), "")
	env.Connect(t, env.Agent(t, "q1", "edge-b"), "")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStandaloneConfig: the nats-server.conf Generate writes is a config
// a real nats-server accepts (parsed and started here with the same
// server code), with JetStream and the agents' permissions in force.
func TestStandaloneConfig(t *testing.T) {
	dir := t.TempDir()
	res, err := natsauth.Generate(natsauth.Plan{Dir: dir, Agents: []natsauth.Agent{{Site: "q1", Agent: "edge-a"}},
		Listen: "127.0.0.1:-1", StoreDir: filepath.Join(dir, "js")})
	if err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(res.ServerFile)
	if err != nil {
		t.Fatalf("nats-server.conf: %v", err)
	}
	opts.NoLog, opts.NoSigs = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready")
	}
	defer srv.Shutdown()
	if !srv.JetStreamEnabled() {
		t.Error("JetStream is off")
	}
	agg, err := natsauth.ClientOptions(configs.NATS{CredsFile: res.AggregatorCreds}, "")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(srv.ClientURL(), agg...)
	if err != nil {
		t.Fatalf("aggregator: %v", err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EV", Subjects: []string{event.AllEventsSubjects}}); err != nil {
		t.Fatal(err)
	}
	ag, err := natsauth.ClientOptions(configs.NATS{CredsFile: res.AgentCreds["q1/edge-a"]}, event.AgentInboxPrefix("q1", "edge-a"))
	if err != nil {
		t.Fatal(err)
	}
	anc, err := nats.Connect(srv.ClientURL(), ag...)
	if err != nil {
		t.Fatalf("agent: %v", err)
	}
	defer anc.Close()
	ajs, _ := jetstream.New(anc)
	if _, err := ajs.Publish(ctx, "camwatch.events.q1.edge-a.cam-1.health", []byte("{}")); err != nil {
		t.Errorf("agent's own subject: %v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := ajs.Publish(pctx, "camwatch.events.q2.edge-a.cam-1.health", []byte("{}")); err == nil {
		t.Error("another site's subject was accepted")
	}
}

// TestPlanRefusesBadAgents: what `camwatch nats creds` refuses, each
// with an error naming it. Camera ids may repeat across sites, agent ids
// may not: the aggregator keys an agent's state by its id.
func TestPlanRefusesBadAgents(t *testing.T) {
	for _, tc := range []struct {
		name   string
		agents []natsauth.Agent
		want   string
	}{
		{"an agent listed twice", []natsauth.Agent{{Site: "q1", Agent: "edge-a"}, {Site: "q1", Agent: "edge-a"}}, "q1/edge-a listed twice"},
		{"one agent id at two sites", []natsauth.Agent{{Site: "q1", Agent: "edge-a"}, {Site: "q3", Agent: "edge-a"}}, "agent id edge-a is at sites q1 and q3"},
		{"a bad site", []natsauth.Agent{{Site: "q 1", Agent: "edge-a"}}, `"q 1/edge-a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := natsauth.Generate(natsauth.Plan{Dir: t.TempDir(), Agents: tc.agents})
			if !errors.Is(err, natsauth.ErrPlan) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate = %v, want ErrPlan naming %q", err, tc.want)
			}
		})
	}
	// Two sites' agents, each with a camera cam-01: fine.
	if _, err := natsauth.Generate(natsauth.Plan{Dir: t.TempDir(), Agents: []natsauth.Agent{
		{Site: "q1", Agent: "edge-q1", Cameras: []string{"cam-01"}}, {Site: "q3", Agent: "edge-q3", Cameras: []string{"cam-01"}}}}); err != nil {
		t.Fatal(err)
	}
}

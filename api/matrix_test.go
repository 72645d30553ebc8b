package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/audit"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/evidence"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// world is a whole aggregator API on real parts (embedded NATS with the
// alerts runner, users bucket and audit stream; real Redis) with two
// programs: "pa" (cameras pa-1..pa-6, the non-admin roles' scope) and
// "pb" (camera pb-1, outside it). Every pa camera and pb-1 has an open
// alert, a stored snapshot, uptime history, a silence and a maintenance
// window.
type world struct {
	t      testing.TB
	opts   Options
	e      *alertsEnv
	srv    *httptest.Server
	dir    *auth.Directory
	svc    *auth.Service
	log    *audit.Log
	src    *uptime.Source
	store  *camstate.Store
	tokens map[auth.Role]string
	snap   map[string]string   // camera → event id with a snapshot
	keys   map[string][]string // program → open alert keys not used up yet
	alertA string
	alertB string
	ev     *evidence.Service
	caseA  string            // a case of pa-1 and pa-2
	caseB  string            // a case of pb-1, number "CASE-PB"
	clip   map[string]string // camera → motion id with a clip
	rdb    redis.UniversalClient
	prefix string
	sent   map[string][]byte // event id → the bytes published on the events stream
	// accounts numbers the users the users routes' cases make.
	accounts int
}

var scopeA = auth.Scope{Programs: []string{"pa"}}

// matrixPrograms names both programs; only pa's may be shown below admin.
var matrixPrograms = programs.New([]configs.Ward{{ID: "w-pa", Name: configs.Names{VI: "Phường A", EN: "Ward A"}}, {ID: "w-pb", Name: configs.Names{VI: "Phường B", EN: "Ward B"}}},
	[]configs.Program{{ID: "pa", Kind: "other", Ward: "w-pa", Name: configs.Names{VI: "Chương trình A", EN: "Program A"}, Cameras: map[string]configs.Names{"pa-1": {VI: "Cổng A", EN: "Gate A"}}},
		{ID: "pb", Kind: "other", Ward: "w-pb", Name: configs.Names{VI: "Chương trình B", EN: "Program B"}, Cameras: map[string]configs.Names{"pb-1": {VI: "Cổng B", EN: "Gate B"}}}})

func (e *alertsEnv) healthOf(cam, program string, st event.Status) {
	e.t.Helper()
	ev := &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1",
		Camera: cam, Time: time.Now(), Seq: e.nextSeq(cam), Labels: event.Labels{Program: program, Ward: "w-" + program, Location: "Hẻm " + cam},
		Health: &event.Health{Status: st, Since: time.Now(), LastFrameAgeMS: -1}}
	data, _ := event.Marshal(ev)
	if _, err := e.js.Publish(context.Background(), event.Subject(ev), data); err != nil {
		e.t.Fatal(err)
	}
}

func newWorld(t testing.TB) *world {
	t.Helper()
	e := newAlertsServer(t)
	ctx := context.Background()
	rdb, prefix := testenv.Redis(t)
	w := &world{t: t, e: e, tokens: map[auth.Role]string{}, snap: map[string]string{}, keys: map[string][]string{}}
	w.store = camstate.New(rdb, camstate.Options{Prefix: prefix, EventRetention: time.Hour})
	w.src = uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{})
	cams := map[string]string{"pb-1": "pb"}
	for i := 1; i <= 14; i++ {
		cams[fmt.Sprint("pa-", i)] = "pa"
	}
	now := time.Now()
	var evs []*event.Event
	var hist uptime.History
	seq := uint64(0)
	for cam, prog := range cams {
		seq++
		lab := event.Labels{Program: prog, Ward: "w-" + prog, Location: "Hẻm " + cam}
		evs = append(evs, &event.Event{Schema: 1, ID: event.NewID(), Kind: event.KindHealth, Site: "q1", Agent: "edge-1", Camera: cam,
			Labels: lab, Time: now.Add(-time.Minute), Seq: e.nextSeq(cam), Health: &event.Health{Status: event.StatusOffline, Since: now, LastFrameAgeMS: -1}})
		id := event.NewID()
		pic := []byte{0xFF, 0xD8, 0xFF, 0xE0, byte(seq)}
		sum := sha256.Sum256(pic)
		ref := &event.Event{ID: id, Site: "q1", Agent: "edge-1", Camera: cam,
			Snapshot: &event.Snapshot{ID: id, Bytes: len(pic), SHA256: hex.EncodeToString(sum[:])}}
		if err := w.store.ExpectSnapshots(ctx, []*event.Event{ref}); err != nil {
			t.Fatal(err)
		}
		if err := w.store.PutSnapshot(ctx, "q1", "edge-1", cam, id, pic); err != nil {
			t.Fatal(err)
		}
		w.snap[cam] = id
		hist.Cameras = append(hist.Cameras, uptime.Camera{ID: cam, Agent: "edge-1", Labels: lab, Transitions: []uptime.Transition{
			{Time: now.Add(-48 * time.Hour), Seq: 1, State: uptime.Online}, {Time: now.Add(-time.Hour), Seq: 2, State: uptime.Offline, Reason: "refused"}}})
		e.healthOf(cam, prog, event.StatusOffline)
	}
	if res, err := w.store.Apply(ctx, evs); err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	events := timeline(t, w.store, evs)
	if err := uptime.Write(ctx, camstate.New(rdb, camstate.Options{Prefix: prefix}), "q1", now, &hist); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.dir, err = auth.OpenDirectory(ctx, e.js, auth.DirectoryOptions{Argon2: fastArgon}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if err := w.dir.Watch(wctx); err != nil {
		t.Fatal(err)
	}
	if w.svc, err = auth.NewService(auth.ServiceOptions{Directory: w.dir, Redis: rdb, Prefix: prefix, Registerer: prometheus.NewRegistry(),
		FailuresPerUser: 5, FailuresPerAddress: 20}); err != nil {
		t.Fatal(err)
	}
	if w.log, err = audit.Open(ctx, e.js, audit.Options{Redis: rdb, Prefix: prefix, Registerer: prometheus.NewRegistry()}); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.RoleNames {
		tok, _, err := w.dir.CreateToken(ctx, "matrix-"+string(r), r, scopeA, time.Hour, "test")
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[r] = tok
	}
	w.rdb, w.prefix = rdb, prefix
	w.setupEvidence(rdb, prefix)
	w.opts = Options{Store: events, Snapshots: w.store, Alerts: e.r, AlertHistory: e.r.Store(),
		MaintenanceAlerts: e.r, Rules: e.r, Uptime: &Uptime{Source: w.src, Maintenance: w.src}, Auth: w.svc, Audit: w.log,
		AlertsHeartbeat: 100 * time.Millisecond, Programs: matrixPrograms, Users: w.dir,
		Investigations: &Investigations{Events: &evidence.Reader{JS: w.e.js, Stream: "EV", Stored: w.store}, History: w.src, Clips: w.store, Evidence: w.ev}}
	w.srv = httptest.NewServer(New(w.opts))
	t.Cleanup(w.srv.Close)
	// Every camera's alert is open before the matrix starts.
	testenv.Eventually(t, 15*time.Second, func() error {
		list, err := e.r.List(ctx, alerts.Query{})
		if err != nil {
			return err
		}
		if len(list) != len(cams) {
			return fmt.Errorf("%d open alerts, want %d", len(list), len(cams))
		}
		w.keys = map[string][]string{}
		for _, a := range list {
			if a.Camera == "pa-6" {
				w.alertA = a.Key // kept open for the reads
				continue
			}
			w.keys[a.Labels.Program] = append(w.keys[a.Labels.Program], a.Key)
		}
		return nil
	})
	w.alertB = w.keys["pb"][0]
	for _, p := range []string{"pa", "pb"} {
		w.silence(p)
		w.maintenance(p)
	}
	return w
}

var fastArgon = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func (w *world) silence(program string) string {
	w.t.Helper()
	s, err := w.e.r.AddSilence(context.Background(), alerts.Silence{Program: program, End: time.Now().Add(time.Hour), By: "setup"})
	if err != nil {
		w.t.Fatal(err)
	}
	return s.ID
}

func (w *world) maintenance(program string) string {
	w.t.Helper()
	id := event.NewID()
	if err := w.src.RecordMaintenance(context.Background(), uptime.Planned{ID: id, Program: program, Start: time.Now(),
		End: time.Now().Add(time.Hour), Note: "setup", By: "setup"}); err != nil {
		w.t.Fatal(err)
	}
	return id
}

// alertKey hands out an open alert of the program: pb's is always the
// same (only an admin may change it), pa's a fresh one per change.
func (w *world) alertKey(in bool) string {
	if !in {
		return w.alertB
	}
	k := w.keys["pa"][0]
	w.keys["pa"] = w.keys["pa"][1:]
	return k
}

type mreq struct{ method, path, body string }

// matrixCase says how to call one route on an object in (true) or out of
// the caller's scope, and what out of scope looks like.
type matrixCase struct {
	req func(w *world, in bool) mreq
	// list: out of scope is absence from the answer (of absent), not 404.
	list   bool
	absent string
	// noObject: the route touches nothing scoped; in and out are equal.
	noObject bool
	// inCode, outCode override 2xx and 404 for callers below admin.
	inCode, outCode int
}

func ab(in bool, a, b string) string {
	if in {
		return a
	}
	return b
}

func future() string { return time.Now().Add(time.Hour).UTC().Format(time.RFC3339) }

// matrixCases is every non-open route of the table.
var matrixCases = map[string]matrixCase{
	"GET /api/v1/timeline": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/timeline?camera=" + ab(in, "pa-1", "pb-1"), ""}
	}},
	"GET /api/v1/events/{id}/clip": {req: func(w *world, in bool) mreq {
		return mreq{"GET", "/api/v1/events/" + w.clip[ab(in, "pa-1", "pb-1")] + "/clip", ""}
	}},
	"GET /api/v1/cases": {list: true, absent: "CASE-PB", req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/cases", ""} }},
	"POST /api/v1/cases": {req: func(_ *world, in bool) mreq {
		return mreq{"POST", "/api/v1/cases", `{"number":"M-1","title":"matrix","reason":"matrix","cameras":["` + ab(in, "pa-1", "pb-1") +
			`"],"from":"` + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339) + `","to":"` + time.Now().UTC().Format(time.RFC3339) + `"}`}
	}},
	"GET /api/v1/cases/{id}": {req: func(w *world, in bool) mreq { return mreq{"GET", "/api/v1/cases/" + ab(in, w.caseA, w.caseB), ""} }},
	"POST /api/v1/cases/{id}/close": {req: func(w *world, in bool) mreq {
		return mreq{"POST", "/api/v1/cases/" + w.newCase(ab(in, "pa-3", "pb-1")) + "/close", `{"note":"matrix"}`}
	}},
	"POST /api/v1/cases/{id}/export": {req: func(w *world, in bool) mreq {
		return mreq{"POST", "/api/v1/cases/" + ab(in, w.caseA, w.caseB) + "/export", `{"reason":"matrix"}`}
	}},
	"GET /metrics":           {noObject: true, req: func(*world, bool) mreq { return mreq{"GET", "/metrics", ""} }},
	"GET /api/v1/session":    {noObject: true, req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/session", ""} }},
	"DELETE /api/v1/session": {noObject: true, req: func(*world, bool) mreq { return mreq{"DELETE", "/api/v1/session", ""} }},
	"POST /api/v1/session/password": {noObject: true, inCode: http.StatusBadRequest, // a token has no password
		req: func(*world, bool) mreq {
			return mreq{"POST", "/api/v1/session/password", `{"old":"x","new":"yyyyyyyyyyyy"}`}
		}},
	"GET /api/v1/audit": {outCode: http.StatusForbidden, req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/audit" + ab(in, "", "?actor=someone-else"), ""}
	}},
	"GET /api/v1/programs":     {list: true, absent: `"pb"`, req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/programs", ""} }},
	"GET /api/v1/cameras":      {list: true, absent: "pb-1", req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/cameras", ""} }},
	"GET /api/v1/cameras/{id}": {req: func(_ *world, in bool) mreq { return mreq{"GET", "/api/v1/cameras/" + ab(in, "pa-1", "pb-1"), ""} }},
	"GET /api/v1/cameras/{id}/events": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/cameras/" + ab(in, "pa-1", "pb-1") + "/events?from=2020-01-01T00:00:00Z", ""}
	}},
	"GET /api/v1/sites/{site}/cameras/{camera}": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/sites/q1/cameras/" + ab(in, "pa-1", "pb-1"), ""}
	}},
	"GET /api/v1/sites/{site}/cameras/{camera}/events": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/sites/q1/cameras/" + ab(in, "pa-1", "pb-1") + "/events?from=2020-01-01T00:00:00Z", ""}
	}},
	"GET /api/v1/events/{id}/snapshot": {req: func(w *world, in bool) mreq {
		return mreq{"GET", "/api/v1/events/" + w.snap[ab(in, "pa-1", "pb-1")] + "/snapshot", ""}
	}},
	"GET /api/v1/alerts":         {list: true, absent: "pb-1", req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/alerts", ""} }},
	"GET /api/v1/alerts/stream":  {list: true, absent: "pb-1", req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/alerts/stream", ""} }},
	"POST /api/v1/alerts/reload": {noObject: true, req: func(*world, bool) mreq { return mreq{"POST", "/api/v1/alerts/reload", ""} }},
	"GET /api/v1/alerts/{key}": {req: func(w *world, in bool) mreq {
		return mreq{"GET", "/api/v1/alerts/" + url.PathEscape(ab(in, w.alertA, w.alertB)), ""}
	}},
	"POST /api/v1/alerts/{key}/ack": {req: func(w *world, in bool) mreq {
		return mreq{"POST", "/api/v1/alerts/" + url.PathEscape(w.alertKey(in)) + "/ack", `{"note":"matrix"}`}
	}},
	"POST /api/v1/alerts/{key}/resolve": {req: func(w *world, in bool) mreq {
		return mreq{"POST", "/api/v1/alerts/" + url.PathEscape(w.alertKey(in)) + "/resolve", `{"note":"matrix"}`}
	}},
	"GET /api/v1/silences": {list: true, absent: `"program":"pb"`, req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/silences", ""} }},
	"POST /api/v1/silences": {req: func(_ *world, in bool) mreq {
		return mreq{"POST", "/api/v1/silences", `{"program":"` + ab(in, "pa", "pb") + `","end":"` + future() + `"}`}
	}},
	"DELETE /api/v1/silences/{id}": {req: func(w *world, in bool) mreq {
		return mreq{"DELETE", "/api/v1/silences/" + w.silence(ab(in, "pa", "pb")), ""}
	}},
	"POST /api/v1/programs/{program}/arm": {req: func(_ *world, in bool) mreq {
		return mreq{"POST", "/api/v1/programs/" + ab(in, "pa", "pb") + "/arm", ""}
	}},
	"POST /api/v1/programs/{program}/disarm": {req: func(_ *world, in bool) mreq {
		return mreq{"POST", "/api/v1/programs/" + ab(in, "pa", "pb") + "/disarm", ""}
	}},
	"GET /api/v1/maintenance": {list: true, absent: `"program":"pb"`, req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/maintenance", ""} }},
	"POST /api/v1/maintenance": {req: func(_ *world, in bool) mreq {
		return mreq{"POST", "/api/v1/maintenance", `{"program":"` + ab(in, "pa", "pb") + `","end":"` + future() + `","note":"matrix"}`}
	}},
	"DELETE /api/v1/maintenance/{id}": {req: func(w *world, in bool) mreq {
		return mreq{"DELETE", "/api/v1/maintenance/" + w.maintenance(ab(in, "pa", "pb")), ""}
	}},
	"GET /api/v1/uptime": {list: true, absent: `"pb"`, req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/uptime?window=24h&rows=cameras", ""} }},
	"GET /api/v1/uptime.csv": {list: true, absent: "pb", req: func(*world, bool) mreq {
		return mreq{"GET", "/api/v1/uptime.csv?window=24h&rows=cameras", ""}
	}},
	"GET /api/v1/review": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/review?period=" + time.Now().Format("2006-01") + "&ward=" + ab(in, "w-pa", "w-pb"), ""}
	}},
	"GET /api/v1/uptime/scorecard": {req: func(_ *world, in bool) mreq {
		return mreq{"GET", "/api/v1/uptime/scorecard?window=24h&program=" + ab(in, "pa", "pb"), ""}
	}},
}

// account makes a fresh viewer of pa for a users route to change.
func (w *world) account() string {
	w.t.Helper()
	w.accounts++
	name := fmt.Sprint("matrix-user-", w.accounts)
	if _, err := w.dir.AddUser(context.Background(), name, auth.Viewer, scopeA, "matrix-password-1", "test"); err != nil {
		w.t.Fatal(err)
	}
	return name
}

// apiToken makes a fresh token for the revoke route.
func (w *world) apiToken() string {
	w.t.Helper()
	_, tok, err := w.dir.CreateToken(context.Background(), "matrix-revoke", auth.Viewer, scopeA, time.Hour, "test")
	if err != nil {
		w.t.Fatal(err)
	}
	return tok.ID
}

func init() {
	// The users and tokens routes touch no camera: they are an admin's;
	// the rules list is the same for everyone who reads alerts.
	for pattern, c := range map[string]matrixCase{
		"GET /api/v1/rules": {req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/rules", ""} }},
		"GET /api/v1/users": {req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/users", ""} }},
		"POST /api/v1/users": {req: func(w *world, _ bool) mreq {
			w.accounts++
			return mreq{"POST", "/api/v1/users", fmt.Sprintf(`{"name":"matrix-new-%d","role":"viewer","scope":{"programs":["pa"]}}`, w.accounts)}
		}},
		"POST /api/v1/users/{name}/role": {req: func(w *world, _ bool) mreq {
			return mreq{"POST", "/api/v1/users/" + w.account() + "/role", `{"role":"operator","scope":{"programs":["pa"]}}`}
		}},
		"POST /api/v1/users/{name}/disable": {req: func(w *world, _ bool) mreq {
			return mreq{"POST", "/api/v1/users/" + w.account() + "/disable", ""}
		}},
		"POST /api/v1/users/{name}/enable": {req: func(w *world, _ bool) mreq {
			return mreq{"POST", "/api/v1/users/" + w.account() + "/enable", ""}
		}},
		"POST /api/v1/users/{name}/password": {req: func(w *world, _ bool) mreq {
			return mreq{"POST", "/api/v1/users/" + w.account() + "/password", `{}`}
		}},
		"GET /api/v1/tokens": {req: func(*world, bool) mreq { return mreq{"GET", "/api/v1/tokens", ""} }},
		"POST /api/v1/tokens": {req: func(*world, bool) mreq {
			return mreq{"POST", "/api/v1/tokens", `{"name":"matrix-new","role":"viewer","scope":{"programs":["pa"]}}`}
		}},
		"DELETE /api/v1/tokens/{id}": {req: func(w *world, _ bool) mreq {
			return mreq{"DELETE", "/api/v1/tokens/" + w.apiToken(), ""}
		}},
	} {
		c.noObject = true
		matrixCases[pattern] = c
	}
}

// openRoutes are the routes that need no credentials; adding one is a
// decision this list records.
var openRoutes = []string{"GET /healthz", "GET /readyz", "POST /api/v1/session", "GET /api/v1/evidence/key", "GET /{$}", "GET /console/config.json", "GET /console/", "/"}

// matrixProblems is what makes a route table fail the matrix before any
// request: a route without a declared permission, an open route nobody
// decided to open, a route without a case.
func matrixProblems(routes []route) []string {
	var out []string
	for _, rt := range routes {
		switch {
		case !rt.perm.Declared():
			out = append(out, fmt.Sprintf("route %q declares no permission", rt.pattern))
		case rt.perm == auth.Open:
			if !slices.Contains(openRoutes, rt.pattern) {
				out = append(out, fmt.Sprintf("route %q is open but not in openRoutes", rt.pattern))
			}
		default:
			if _, ok := matrixCases[rt.pattern]; !ok {
				out = append(out, fmt.Sprintf("route %q has no permission-matrix case", rt.pattern))
			}
		}
	}
	return out
}

func TestMatrixCatchesAnUndeclaredRoute(t *testing.T) {
	s := &server{o: Options{}}
	routes := append(s.routes(), route{pattern: "GET /api/v1/new-thing", handler: notFound})
	got := matrixProblems(routes)
	if len(got) != 1 || !strings.Contains(got[0], "new-thing") || !strings.Contains(got[0], "declares no permission") {
		t.Fatalf("problems %q, want the undeclared route named", got)
	}
	if p := matrixProblems(s.routes()); len(p) != 0 {
		t.Fatalf("the real table: %q", p)
	}
}

// expected is the documented answer (docs/security.md, from auth.Roles):
// 401 without credentials, 403 when the role lacks the permission, else
// success in scope and 404 (or absence from a list) out of it; an admin's
// scope is everything.
func (c matrixCase) expected(role auth.Role, perm auth.Permission, in bool) int {
	switch {
	case perm == auth.MetricsRead:
		return http.StatusNotFound // only the metrics token opens it here
	case !role.Has(perm):
		return http.StatusForbidden
	case !in && role != auth.Admin && !c.list && !c.noObject:
		return cmpInt(c.outCode, http.StatusNotFound)
	case c.inCode != 0:
		return c.inCode
	}
	return 0 // any 2xx
}

func cmpInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func (w *world) do(token string, r mreq) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, r.method, w.srv.URL+r.path, strings.NewReader(r.body))
	if r.method != http.MethodGet && r.method != http.MethodDelete {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body = w.feedFor(resp.Body, cancel)
	} else {
		body, _ = io.ReadAll(resp.Body)
	}
	return resp.StatusCode, string(body)
}

// feedFor reads an SSE feed while pa-6 and pb-1 go online and offline
// again, until pa-6's transition arrived (or 5 s).
func (w *world) feedFor(r io.Reader, cancel func()) []byte {
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			buf.Write(b[:n])
			if err != nil || bytes.Contains(buf.Bytes(), []byte(`"camera":"pa-6"`)) {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	w.e.healthOf("pb-1", "pb", event.StatusOnline)
	w.e.healthOf("pa-6", "pa", event.StatusOnline)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	cancel()
	<-done
	w.e.healthOf("pb-1", "pb", event.StatusOffline)
	w.e.healthOf("pa-6", "pa", event.StatusOffline)
	testenv.Eventually(w.t, 10*time.Second, func() error {
		for _, k := range []string{w.alertA, w.alertB} {
			if _, err := w.e.r.Get(context.Background(), k); err != nil {
				return err
			}
		}
		return nil
	})
	return buf.Bytes()
}

// TestPermissionMatrix: for every route of the table, every role, in and
// out of scope, the answer is the documented one; without credentials
// every non-open route is 401.
func TestPermissionMatrix(t *testing.T) {
	s := &server{o: Options{}}
	if p := matrixProblems(s.routes()); len(p) > 0 {
		t.Fatalf("the route table fails the matrix:\n%s", strings.Join(p, "\n"))
	}
	w := newWorld(t)
	for _, rt := range s.routes() {
		if rt.perm == auth.Open {
			continue
		}
		c := matrixCases[rt.pattern]
		t.Run(rt.pattern, func(t *testing.T) {
			noCreds := http.StatusUnauthorized
			if rt.perm == auth.MetricsRead {
				noCreds = http.StatusNotFound // not served here without the metrics token
			}
			if code, body := w.do("", c.req(w, true)); code != noCreds {
				t.Errorf("no credentials: %d %s, want %d", code, body, noCreds)
			}
			for _, role := range auth.RoleNames {
				for _, in := range []bool{true, false} {
					if c.noObject && !in {
						continue
					}
					where := ab(in, "in scope", "out of scope")
					want := c.expected(role, rt.perm, in)
					code, body := w.do(w.tokens[role], c.req(w, in))
					switch {
					case want == 0 && (code < 200 || code > 299):
						t.Errorf("%s %s: %d %s, want success", role, where, code, trim(body))
					case want != 0 && code != want:
						t.Errorf("%s %s: %d %s, want %d", role, where, code, trim(body), want)
					case want == 0 && c.list && role != auth.Admin && strings.Contains(body, c.absent):
						t.Errorf("%s: the answer shows %s, outside the scope: %s", role, c.absent, trim(body))
					case want == 0 && c.list && role == auth.Admin && !strings.Contains(body, c.absent) && rt.pattern != "GET /api/v1/alerts/stream":
						t.Errorf("admin does not see %s: %s", c.absent, trim(body))
					}
				}
			}
		})
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// chromiumPath is where services.sh installs the browser.
const chromiumPath = "/usr/bin/chromium"

// edge publishes events as an edge agent does: on the event's subject,
// with its id as the JetStream message id.
type edge struct {
	t   *testing.T
	js  jetstream.JetStream
	seq map[string]uint64
}

func (e *edge) publish(ev *event.Event) {
	e.t.Helper()
	e.seq[ev.Camera+"/"+ev.Agent]++
	ev.Schema, ev.ID, ev.Site, ev.Agent, ev.Time, ev.Seq = event.SchemaVersion, event.NewID(), "hcm-q1", "edge-1", time.Now(), e.seq[ev.Camera+"/"+ev.Agent]
	data, err := event.Marshal(ev)
	if err != nil {
		e.t.Fatal(err)
	}
	m := nats.NewMsg(event.Subject(ev))
	m.Data = data
	m.Header.Set(jetstream.MsgIDHeader, ev.ID)
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		e.t.Fatal(err)
	}
}

func (e *edge) health(camera, program, ward string, st event.Status, reason event.Reason) {
	e.t.Helper()
	h := &event.Health{Status: st, Reason: reason, Since: time.Now(), LastFrameAgeMS: -1}
	if st == event.StatusOnline {
		h.Codec, h.Width, h.Height, h.FPS, h.BitrateKbps, h.Frames, h.LastFrameAgeMS = "h264", 640, 360, 15, 512, 300, 40
	}
	e.publish(&event.Event{Kind: event.KindHealth, Camera: camera, Health: h,
		Labels: event.Labels{Program: program, Ward: ward, Location: "Hẻm " + camera}})
}

func (e *edge) heartbeat() {
	e.t.Helper()
	e.publish(&event.Event{Kind: event.KindHeartbeat, Heartbeat: &event.Heartbeat{Version: "test", Started: time.Now(), IntervalS: 10, Cameras: 3}})
}

// browser starts headless chromium, failing when it is missing: services.sh
// installs it for make test; CAMWATCH_NO_BROWSER=1 skips.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("CAMWATCH_NO_BROWSER") == "1" {
		t.Skip("CAMWATCH_NO_BROWSER=1")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("chromium is needed for the console's browser test (scripts/services.sh installs it; CAMWATCH_NO_BROWSER=1 skips): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900))
	base, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(stop)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// waitFor polls the page until the JavaScript expression is truthy; on
// timeout it names what it waited for and shows the page's text.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// An element not there yet is "not yet", not an error.
	pred := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](pred, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		t.Fatalf("%s: %v\npage:\n%s", what, err, text)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CAMWATCH_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(dir+"/"+name+".png", png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn fills the console's login form.
func signIn(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the login form", `document.body.dataset.ready === "1" && document.querySelector("#login")`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#login-user"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, user+" signed in", `document.querySelector("#who") && !document.querySelector("#who").hidden && document.querySelector("#who").textContent.startsWith(`+jsString(user)+`)`)
}

// fetchStatus runs fetch(path, init) in the page (with its cookie and
// origin) and returns the answer's status.
func fetchStatus(t *testing.T, ctx context.Context, path, init string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(`+jsString(path)+`, `+init+`).then((r) => r.status)`,
		func(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }))
	if err != nil {
		t.Fatalf("fetch %s: %v", path, err)
	}
	return n
}

// TestConsoleInBrowser drives the console in chromium against a real
// aggregator (embedded NATS, real Redis) fed as an edge agent feeds it:
// an operator of one program signs in, sees only that program and
// acknowledges an alert; a viewer sees the uptime and the cameras but no
// alerts, no timelines, no snapshots, and the server refuses what the
// page hides.
func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	natsURL := testenv.NATS(t)
	var cfg configs.Aggregator
	if err := configs.Load("testdata/aggregator.yaml", &cfg); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := testenv.Redis(t)
	cfg.Redis.Prefix = prefix
	o := aggregator.OptionsFromConfig(&cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	o.NATSURL, o.Redis = natsURL, rdb
	agg, err := aggregator.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = agg.Close() })
	base := "http://" + agg.Addr()
	dir := agg.Directory()
	bg := context.Background()
	admin, _, err := dir.CreateToken(bg, "browser-test", auth.Admin, auth.Scope{All: true}, time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	adminToken = admin
	const opPass, viewPass = "lan-tdp7-secret", "ward-office-secret"
	if _, err := dir.AddUser(bg, "op-lan", auth.Operator, auth.Scope{Programs: []string{"5plus1-tdp7"}}, opPass, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.AddUser(bg, "ward-viewer", auth.Viewer, auth.Scope{All: true}, viewPass, "test"); err != nil {
		t.Fatal(err)
	}

	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ed := &edge{t: t, js: js, seq: map[string]uint64{}}
	ed.heartbeat()
	ed.health("cam-a", "5plus1-tdp7", "ben-nghe", event.StatusOnline, "")
	ed.health("cam-b", "5plus1-tdp7", "ben-nghe", event.StatusOnline, "")
	ed.health("cam-c", "ward-street", "da-kao", event.StatusOffline, event.ReasonStalled)
	testenv.Eventually(t, 10*time.Second, func() error {
		var list struct{ Cameras []json.RawMessage }
		if err := getJSON(base+"/api/v1/cameras", &list); err != nil || len(list.Cameras) != 3 {
			return fmt.Errorf("cameras %d %v", len(list.Cameras), err)
		}
		return nil
	})

	t.Run("the login page is in Vietnamese and a wrong password is refused", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "login form in Vietnamese", `document.documentElement.lang === "vi" && document.querySelector("h1").textContent === "Đăng nhập"
			&& document.querySelector("label[for=login-password]").textContent.startsWith("Mật khẩu")`)
		waitFor(t, ctx, "no navigation before signing in", `[...document.querySelectorAll("nav a")].every((a) => a.hidden)`)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#login-user"), "op-lan"),
			chromedp.SendKeys(chromedp.CSS("#login-password"), "not-the-password"),
			chromedp.Click(chromedp.CSS(`#login button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the refusal says nothing about the user", `document.querySelector("#login-error").textContent === "Sai tên đăng nhập hoặc mật khẩu"`)
		screenshot(t, ctx, "login-vi")
	})

	t.Run("an operator sees the cameras of their program only", func(t *testing.T) {
		signIn(t, ctx, base, "op-lan", opPass)
		waitFor(t, ctx, "two camera rows", `document.querySelectorAll("#cameras tbody tr").length === 2
			&& document.querySelector('#cameras tr[data-camera="cam-a"]') && !document.querySelector('#cameras tr[data-camera="cam-c"]')`)
		waitFor(t, ctx, "cam-a online in Vietnamese", `document.querySelector('#cameras tr[data-camera="cam-a"] .badge').textContent === "Hoạt động"`)
		waitFor(t, ctx, "role shown", `document.querySelector("#who").textContent === "op-lan · Trực ban"`)
		waitFor(t, ctx, "the timeline link is there", `document.querySelector('#cameras tr[data-camera="cam-a"] a[href="#/camera/cam-a"]')`)
		screenshot(t, ctx, "cameras-operator-vi")
	})

	t.Run("switching to English changes the labels and is remembered", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "English labels", `document.documentElement.lang === "en" && document.querySelector("#cameras thead th:nth-child(2)").textContent === "Status"
			&& document.querySelector('#cameras tr[data-camera="cam-a"] .badge').textContent === "Online"`)
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "English after a reload, still signed in", `document.body.dataset.ready === "1" && document.querySelector("nav a[data-route=alerts]").textContent === "Live alerts"
			&& document.querySelector("#who").textContent === "op-lan · Operator"`)
	})

	var key string
	t.Run("the live feed shows the program's alerts and nothing else", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/alerts")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "feed connected", `document.querySelector("#feed-status.ok")`)
		ed.health("cam-b", "5plus1-tdp7", "ben-nghe", event.StatusOffline, event.ReasonRefused)
		ed.health("cam-c", "ward-street", "da-kao", event.StatusOffline, event.ReasonRefused)
		waitFor(t, ctx, "cam-b's alert firing", `(() => { const li = document.querySelector('li.alert[data-key*="/camera/cam-b"]');
			return li && li.dataset.state === "firing" && li.querySelector("strong").textContent === "Camera offline"; })()`)
		k, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('li.alert[data-key*="/camera/cam-b"]').dataset.key`))
		if err != nil {
			t.Fatal(err)
		}
		key = k
		// cam-c's alert is open in the API (an admin sees it) but never
		// reaches this operator's page.
		testenv.Eventually(t, 10*time.Second, func() error {
			var list struct{ Alerts []struct{ Camera string } }
			if err := getJSON(base+"/api/v1/alerts?camera=cam-c", &list); err != nil || len(list.Alerts) == 0 {
				return fmt.Errorf("cam-c alerts %v %v", list, err)
			}
			return nil
		})
		waitFor(t, ctx, "no empty values shown", `!/null|undefined|NaN/.test(document.querySelector("#alerts").innerText)`)
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('li.alert[data-key*="/camera/cam-c"]').length`)); err != nil || n != 0 {
			t.Errorf("out-of-scope alert on the operator's page: %d %v", n, err)
		}
	})

	t.Run("acknowledging from the page records the signed-in operator", func(t *testing.T) {
		if key == "" {
			t.Skip("no alert")
		}
		li := `li.alert[data-key="` + key + `"]`
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(li+" button.ack")),
			chromedp.SendKeys(chromedp.CSS(li+` form.act input[name="note"]`), "đi kiểm tra"),
		); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "no name field: who acts is the signed-in user", `!document.querySelector('`+li+` input[name="by"]')`)
		ed.health("cam-a", "5plus1-tdp7", "ben-nghe", event.StatusOffline, event.ReasonAuthFailed)
		waitFor(t, ctx, "cam-a's alert arrives", `document.querySelector('li.alert[data-key*="/camera/cam-a"]')`)
		waitFor(t, ctx, "the open form kept its text", `document.querySelector('`+li+` input[name="note"]').value === "đi kiểm tra"`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(li+` form.act button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 10*time.Second, func() error {
			var a struct {
				State string
				Ack   *struct{ By, Note string }
			}
			if err := getJSON(base+"/api/v1/alerts/"+url.PathEscape(key), &a); err != nil {
				return err
			}
			if a.State != "acknowledged" || a.Ack == nil || a.Ack.By != "op-lan" || a.Ack.Note != "đi kiểm tra" {
				return fmt.Errorf("alert %+v", a)
			}
			return nil
		})
		waitFor(t, ctx, "the page shows it acknowledged", `document.querySelector('`+li+`').dataset.state === "acknowledged"`)
		screenshot(t, ctx, "alerts-en")
	})

	t.Run("timeline and uptime render, uptime of the program only", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/camera/cam-b")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "cam-b's events", `document.querySelectorAll("#timeline tbody tr[data-kind=health]").length === 2`)
		waitFor(t, ctx, "download link", `new URL(document.querySelector("#download").href).pathname === "/api/v1/cameras/cam-b/events"`)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/uptime")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "uptime row of the operator's program only", `document.querySelector('#uptime tr[data-group="5plus1-tdp7"]') && !document.querySelector('#uptime tr[data-group="ward-street"]')`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-window="7d"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "7 days pressed", `document.querySelector('button[data-window="7d"]').getAttribute("aria-pressed") === "true" && document.querySelector("#uptime")`)
	})

	t.Run("on a phone the cameras are cards without sideways scrolling", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "cards fit the screen", `document.querySelectorAll("#cameras tbody tr").length === 2
			&& getComputedStyle(document.querySelector("#cameras td")).display === "block"
			&& document.documentElement.scrollWidth <= 390`)
		screenshot(t, ctx, "cameras-phone")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("signing out ends the session on the server", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "back at the login form", `document.querySelector("#login") && document.querySelector("#logout").hidden`)
		if code := fetchStatus(t, ctx, "/api/v1/session", "{}"); code != http.StatusUnauthorized {
			t.Errorf("session after sign-out: %d, want 401", code)
		}
	})

	t.Run("a viewer sees uptime and cameras, and cannot handle alerts", func(t *testing.T) {
		signIn(t, ctx, base, "ward-viewer", viewPass)
		waitFor(t, ctx, "three cameras without locations or timeline links", `document.querySelectorAll("#cameras tbody tr").length === 3
			&& !/Hẻm/.test(document.querySelector("#cameras").innerText) && !document.querySelector('#cameras a[href^="#/camera/"]')`)
		waitFor(t, ctx, "no live-alerts link", `document.querySelector("nav a[data-route=alerts]").hidden && !document.querySelector("nav a[data-route=uptime]").hidden`)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/alerts")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the alerts page is refused", `document.querySelector("#denied") && !document.querySelector("#alerts")`)
		screenshot(t, ctx, "viewer-denied")
		// What the page hides, the server refuses: the viewer's own
		// session cookie, from the console's own origin.
		if code := fetchStatus(t, ctx, "/api/v1/alerts/"+url.PathEscape(key)+"/ack",
			`{method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}`); code != http.StatusForbidden {
			t.Errorf("ack from the viewer's page: %d, want 403", code)
		}
		if code := fetchStatus(t, ctx, "/api/v1/alerts/stream", "{}"); code != http.StatusForbidden {
			t.Errorf("live feed for the viewer: %d, want 403", code)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/uptime")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "uptime of every program", `document.querySelector('#uptime tr[data-group="5plus1-tdp7"]') && document.querySelector('#uptime tr[data-group="ward-street"]')`)
	})

	t.Run("a user changes their own password", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#password"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the password form", `document.querySelector("#password-form")`)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#pw-old"), viewPass),
			chromedp.SendKeys(chromedp.CSS("#pw-new"), "ward-office-new-secret"),
			chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "changed", `document.querySelector("#password-msg").className === "ok"`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "signed out", `document.querySelector("#login") && document.querySelector("#logout").hidden`)
		signIn(t, ctx, base, "ward-viewer", "ward-office-new-secret")
	})
}

// adminToken is what getJSON reads the API with.
var adminToken string

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func getJSON(u string, into any) error {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(into)
}

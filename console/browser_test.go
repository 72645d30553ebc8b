package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/console"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
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
	if ev.Snapshot != nil {
		ev.Snapshot.ID = ev.ID // the picture travels under the event's id
	}
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

// thumbnail publishes a stats event with the camera's periodic thumbnail,
// as an edge agent does: the event names the picture's digest, the picture
// travels on the snapshots subject with the event's id.
func (e *edge) thumbnail(camera, program, ward string) {
	e.t.Helper()
	img := image.NewGray(image.Rect(0, 0, 320, 180))
	for i := range img.Pix {
		img.Pix[i] = byte(i % 251)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		e.t.Fatal(err)
	}
	sum := sha256.Sum256(b.Bytes())
	lab := event.Labels{Program: program, Ward: ward, Location: "Hẻm " + camera}
	ev3 := &event.Event{Kind: event.KindStats, Camera: camera, Labels: lab,
		Health: &event.Health{Status: event.StatusOnline, Since: time.Now(), Codec: "h264", Width: 640, Height: 360, FPS: 15, Frames: 400, LastFrameAgeMS: 40}}
	ev3.Snapshot = &event.Snapshot{Bytes: b.Len(), SHA256: hex.EncodeToString(sum[:])}
	e.publishWithSnapshot(ev3, b.Bytes())
}

// publishWithSnapshot publishes ev (whose Snapshot names jpeg) and the
// picture on its snapshot subject.
func (e *edge) publishWithSnapshot(ev *event.Event, jpeg []byte) {
	e.t.Helper()
	e.publish(ev)
	sm := nats.NewMsg(event.SnapshotSubject(ev))
	sm.Data = jpeg
	sm.Header.Set(jetstream.MsgIDHeader, ev.ID)
	if _, err := e.js.PublishMsg(context.Background(), sm); err != nil {
		e.t.Fatal(err)
	}
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
	// The browser lives as long as the test may (go test -timeout), less
	// a minute to report: a loaded machine slows every step, and each wait
	// is bounded on its own (waitFor).
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Minute)
	}
	base, stop := context.WithDeadline(context.Background(), deadline.Add(-time.Minute))
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

// heldRequests pauses the page's requests matching a URL pattern (the
// DevTools fetch domain) until the test releases them one by one.
type heldRequests struct {
	ctx    context.Context
	cancel context.CancelFunc
	paused chan fetch.RequestID
}

func holdRequests(t *testing.T, ctx context.Context, pattern string) *heldRequests {
	t.Helper()
	lctx, cancel := context.WithCancel(ctx)
	hr := &heldRequests{ctx: ctx, cancel: cancel, paused: make(chan fetch.RequestID, 16)}
	if err := chromedp.Listen(lctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			select {
			case hr.paused <- e.RequestID:
			default: // more than the test waits for: released by stop
			}
		}
	}); err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		cancel()
		t.Fatalf("hold %s: %v", pattern, err)
	}
	return hr
}

// next waits for the next held request and returns what lets it go on.
func (hr *heldRequests) next(t *testing.T) (release func()) {
	t.Helper()
	select {
	case id := <-hr.paused:
		return func() {
			if _, err := chromedp.Call(hr.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
				t.Errorf("release request: %v", err)
			}
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no request was held")
		return nil
	}
}

// stop lets every request through again.
func (hr *heldRequests) stop(t *testing.T) {
	t.Helper()
	hr.cancel()
	if _, err := chromedp.Call(hr.ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Errorf("stop holding requests: %v", err)
	}
	for {
		select {
		case id := <-hr.paused:
			_, _ = chromedp.Call(hr.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		default:
			return
		}
	}
}

// waitFor polls the page until the JavaScript expression is truthy; on
// timeout it names what it waited for and shows the page's text.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// An element not there yet is "not yet", not an error.
	pred := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	var err error
	for {
		_, err = chromedp.Run(wctx, chromedp.Poll[bool](pred, chromedp.WithPollingInterval(100*time.Millisecond)))
		// A poll begun just as a navigation replaced the document loses
		// its execution context: poll again in the new one.
		if err == nil || wctx.Err() != nil || !(strings.Contains(err.Error(), "Cannot find context") || strings.Contains(err.Error(), "context was destroyed")) {
			break
		}
	}
	if err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		t.Fatalf("%s: %v\npage:\n%s", what, err, text)
	}
}

// screenshotDir is where the browser tests leave their screenshots (test
// artifacts): $CAMWATCH_SCREENSHOTS, else camwatch-console-screenshots in
// the temp dir; kept after the test, named in its log.
var screenshotDir = sync.OnceValues(func() (string, error) {
	dir := os.Getenv("CAMWATCH_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "camwatch-console-screenshots")
	}
	return dir, os.MkdirAll(dir, 0o755)
})

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir, err := screenshotDir()
	if err != nil {
		t.Fatalf("screenshots: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", file)
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
	o.ConsoleNotice = &console.Notice{VI: "Dữ liệu trước 08:00 là dữ liệu tạo ra", EN: "History before 08:00 is generated"}
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
	const adminPass = "ward-admin-secret-1"
	if _, err := dir.AddUser(bg, "ward-admin", auth.Admin, auth.Scope{All: true}, adminPass, "test"); err != nil {
		t.Fatal(err)
	}
	const techPass = "ward-technician-secret"
	if _, err := dir.AddUser(bg, "tech-ward", auth.Technician, auth.Scope{All: true}, techPass, "test"); err != nil {
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
	ed.thumbnail("cam-a", "5plus1-tdp7", "ben-nghe")
	testenv.Eventually(t, 10*time.Second, func() error {
		var list struct {
			Cameras []struct {
				ID       string
				Snapshot *struct{ ID string }
			}
		}
		if err := getJSON(base+"/api/v1/cameras", &list); err != nil || len(list.Cameras) != 3 {
			return fmt.Errorf("cameras %d %v", len(list.Cameras), err)
		}
		if list.Cameras[0].ID != "cam-a" || list.Cameras[0].Snapshot == nil {
			return fmt.Errorf("cam-a has no latest snapshot yet: %+v", list.Cameras[0])
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
		waitFor(t, ctx, "the server's notice, in Vietnamese, on the login page too", `!document.querySelector("#notice").hidden && document.querySelector("#notice").textContent === "Dữ liệu trước 08:00 là dữ liệu tạo ra"`)
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
		waitFor(t, ctx, "two camera cards", `document.querySelectorAll("#cameras li.cam").length === 2
			&& document.querySelector('#cameras li[data-camera="cam-a"]') && !document.querySelector('#cameras li[data-camera="cam-c"]')`)
		waitFor(t, ctx, "cam-a online in Vietnamese", `document.querySelector('#cameras li[data-camera="cam-a"] .badge').textContent === "Hoạt động"`)
		waitFor(t, ctx, "role shown", `document.querySelector("#who").textContent === "op-lan · Trực ban"`)
		waitFor(t, ctx, "the timeline link is there", `document.querySelector('#cameras li[data-camera="cam-a"] a[href="#/camera/hcm-q1/cam-a"]')`)
		waitFor(t, ctx, "names, not slugs", `document.querySelector('#cameras li[data-camera="cam-a"] .name').textContent === "Đầu hẻm 15"
			&& document.querySelector('#cameras li[data-camera="cam-a"] .where').textContent === "Mô hình 5+1 tổ dân phố 7 · Phường Bến Nghé"
			&& !/5plus1-tdp7|ben-nghe/.test(document.querySelector("#view").innerText)
			&& [...document.querySelectorAll("#f-program option")].map((o) => o.textContent).includes("Mô hình 5+1 tổ dân phố 7")`)
		waitFor(t, ctx, "cam-a's thumbnail loaded", `(() => { const img = document.querySelector('#cameras li[data-camera="cam-a"] img.thumb');
			return img && img.complete && img.naturalWidth === 320 && img.naturalHeight === 180; })()`)
		waitFor(t, ctx, "cam-b without a picture says so", `document.querySelector('#cameras li[data-camera="cam-b"] .thumb.none').textContent === "Chưa có ảnh"`)
		screenshot(t, ctx, "cameras-operator-vi")
	})

	t.Run("switching to English changes the labels and is remembered", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "English labels and names", `document.documentElement.lang === "en" && document.querySelector("label[for=f-status]").textContent.startsWith("Status")
			&& document.querySelector('#cameras li[data-camera="cam-a"] .badge').textContent === "Online"
			&& document.querySelector('#cameras li[data-camera="cam-a"] .name').textContent === "Alley 15 entrance"
			&& document.querySelector('#cameras li[data-camera="cam-a"] .where').textContent === "5+1 group, neighbourhood 7 · Ben Nghe Ward"
			&& document.querySelector("#notice").textContent === "History before 08:00 is generated"`)
		screenshot(t, ctx, "cameras-operator-en")
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
		waitFor(t, ctx, "the status lane: unknown, online, then offline", `[...document.querySelectorAll("#lane rect")].map((r) => r.dataset.status).join(",") === "unknown,online,offline"`)
		waitFor(t, ctx, "download link", `new URL(document.querySelector("#download").href).pathname === "/api/v1/cameras/cam-b/events"`)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/uptime")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "uptime of the operator's program only, by name", `document.querySelector('#uptime [data-group="5plus1-tdp7"]') && !document.querySelector('#uptime [data-group="ward-street"]')
			&& document.querySelector('#uptime [data-group="5plus1-tdp7"] h2').textContent === "5+1 group, neighbourhood 7"`)
		waitFor(t, ctx, "7 days: one uptime bar per day", `document.querySelector('button[data-window="7d"]').getAttribute("aria-pressed") === "true"
			&& document.querySelectorAll('#uptime [data-group="5plus1-tdp7"] .uptime-chart rect.bar').length === 8`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-window="30d"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "30 days: 31 bars (the window cuts two partial days), alerts per day too", `document.querySelectorAll('#uptime [data-group="5plus1-tdp7"] .uptime-chart rect.bar').length === 31
			&& document.querySelectorAll('#uptime [data-group="5plus1-tdp7"] .alerts-chart rect.bar').length === 31
			&& [...document.querySelectorAll('#uptime [data-group="5plus1-tdp7"] .alerts-chart rect.bar')].some((r) => r.querySelector("title").textContent !== "0 alerts")`)
		// op-lan acknowledged cam-b's alert: today has a median time to
		// acknowledge, the other days none.
		waitFor(t, ctx, "30 days of time to acknowledge, one day with an acknowledged alert", `(() => {
			const bars = [...document.querySelectorAll('#uptime [data-group="5plus1-tdp7"] .ack-chart rect.bar')];
			const acked = bars.filter((r) => r.classList.contains("ack"));
			return bars.length === 31 && acked.length === 1 && acked[0] === bars[bars.length - 1]
				&& /\d/.test(acked[0].querySelector("title").textContent)
				&& bars.slice(0, -1).every((r) => r.querySelector("title").textContent.endsWith("no alert acknowledged")); })()`)
		screenshot(t, ctx, "uptime-operator-en")
	})

	t.Run("on a 360 px phone the cameras are one column without sideways scrolling", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(base+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "cards fit the screen, one per row, the picture full width", `(() => { const cards = [...document.querySelectorAll("#cameras li.cam")];
			return cards.length === 2 && cards[0].getBoundingClientRect().left === cards[1].getBoundingClientRect().left
				&& document.documentElement.scrollWidth <= 360
				&& document.querySelector('#cameras li[data-camera="cam-a"] img.thumb').getBoundingClientRect().width >= 300; })()`)
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
		waitFor(t, ctx, "three cameras without locations, timeline links or pictures", `document.querySelectorAll("#cameras li.cam").length === 3
			&& !/Hẻm/.test(document.querySelector("#cameras").innerText) && !document.querySelector('#cameras a[href^="#/camera/"]')
			&& !document.querySelector("#cameras img")`)
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
		waitFor(t, ctx, "uptime of every program, by name", `document.querySelector('#uptime [data-group="5plus1-tdp7"]') && document.querySelector('#uptime [data-group="ward-street"] h2').textContent === "Da Kao ward street cameras"`)
		screenshot(t, ctx, "uptime-viewer-en")
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

	t.Run("a viewer does not see the management pages", func(t *testing.T) {
		waitFor(t, ctx, "no manage or users link", `document.querySelector("nav a[data-route=manage]").hidden && document.querySelector("nav a[data-route=users]").hidden
			&& !document.querySelector("nav a[data-route=review]").hidden`)
		// The camera list's answer is held until the viewer is on the
		// management page: arriving late, it must not draw over it (CI
		// once saw the cameras page where the refusal should be).
		waitFor(t, ctx, "every answer drawn", `!document.querySelector("#view").hasAttribute("aria-busy")`)
		held := holdRequests(t, ctx, "*/api/v1/cameras")
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		release := held.next(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/manage")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the management page is refused", `document.querySelector("#denied") && !document.querySelector("#silences") && !document.querySelector("#arming")`)
		release()
		held.stop(t)
		waitFor(t, ctx, "the late camera list answered", `!document.querySelector("#view").hasAttribute("aria-busy")`)
		if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#denied") && !document.querySelector("#cameras") ? "" : document.querySelector("#view").innerText`)); err != nil || text != "" {
			t.Fatalf("the late camera list drew over the refusal (%v):\n%s", err, text)
		}
		if code := fetchStatus(t, ctx, "/api/v1/silences", `{method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({program: "ward-street", end: new Date(Date.now() + 3600e3).toISOString()})}`); code != http.StatusForbidden {
			t.Errorf("a silence from the viewer's page: %d, want 403", code)
		}
	})

	t.Run("the printable review opens from its page, with names", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/review")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "ward chooser by name", `[...document.querySelectorAll("#rv-ward option")].map((o) => o.textContent).join("|") === "Ben Nghe Ward|Da Kao Ward"`)
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#review-link").getAttribute("href").replace(/period=[^&]*/, "period=" + new Date().toISOString().slice(0, 7))`))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+href)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the review of Ben Nghe: one program page, by name, A4 print rules", `document.querySelectorAll("section.program").length === 1
			&& document.querySelector("section.program h2").textContent === "5+1 group, neighbourhood 7"
			&& [...document.querySelectorAll("table.cameras td:first-child")].map((td) => td.textContent).sort().join("|") === "Alley 15 end|Alley 15 entrance"
			&& document.querySelectorAll("svg.motion rect.bar").length === 24`)
		screenshot(t, ctx, "review-en")
	})

	t.Run("a silence created from the page silences the next firing alert", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "signed out", `document.querySelector("#login")`)
		signIn(t, ctx, base, "tech-ward", techPass)
		// cam-c's alert from before ends first.
		ed.health("cam-c", "ward-street", "da-kao", event.StatusOnline, "")
		testenv.Eventually(t, 10*time.Second, func() error {
			var list struct{ Alerts []json.RawMessage }
			if err := getJSON(base+"/api/v1/alerts?camera=cam-c", &list); err != nil || len(list.Alerts) != 0 {
				return fmt.Errorf("cam-c still has %d open alerts (%v)", len(list.Alerts), err)
			}
			return nil
		})
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/manage")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the silence form, programs by name", `[...document.querySelectorAll("#sil-program option")].some((o) => o.value === "ward-street" && o.textContent === "Da Kao ward street cameras")`)
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#sil-program"), "ward-street"),
			chromedp.SendKeys(chromedp.CSS("#sil-comment"), "thay dây mạng"),
			chromedp.Click(chromedp.CSS(`#silence-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the silence is listed by name", `document.querySelector("#manage-msg").textContent === "Notifications silenced"
			&& [...document.querySelectorAll("#silences li.item strong")].some((s) => s.textContent === "Program Da Kao ward street cameras")`)
		screenshot(t, ctx, "manage-technician-en")
		ed.health("cam-c", "ward-street", "da-kao", event.StatusOffline, event.ReasonRefused)
		testenv.Eventually(t, 10*time.Second, func() error {
			var list struct {
				Alerts []struct{ State, Suppressed string }
			}
			if err := getJSON(base+"/api/v1/alerts?camera=cam-c", &list); err != nil || len(list.Alerts) != 1 {
				return fmt.Errorf("cam-c alerts %+v %v", list.Alerts, err)
			}
			if a := list.Alerts[0]; a.State != "firing" || !strings.HasPrefix(a.Suppressed, "silence:") {
				return fmt.Errorf("cam-c's alert %+v, want firing and suppressed by the silence", a)
			}
			return nil
		})
		// Expire it from the page.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#silences li.item button.expire"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "expired", `document.querySelector("#manage-msg").textContent === "Silence expired" && !document.querySelector("#silences li.item")`)
		// A narrower silence: one camera of the program, one rule, chosen
		// by name.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const p = document.querySelector("#sil-program"); p.value = "ward-street"; p.dispatchEvent(new Event("change"));
			const c = [...document.querySelectorAll("#sil-camera option")].find((o) => o.textContent === "Hẻm cam-c"); document.querySelector("#sil-camera").value = c.value;
			document.querySelector("#sil-rule").value = "cam-offline"; return true; })()`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#silence-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the camera and rule silence is listed by name", `document.querySelector("#manage-msg").textContent === "Notifications silenced"
			&& [...document.querySelectorAll("#silences li.item")].some((li) => li.querySelector("strong").textContent === "Camera Hẻm cam-c" && li.textContent.includes("rule cam-offline"))`)
		var sil struct {
			Silences []struct{ ID, Site, Camera, Program, Rule string }
		}
		if err := getJSON(base+"/api/v1/silences", &sil); err != nil || len(sil.Silences) != 1 || sil.Silences[0].Camera != "cam-c" || sil.Silences[0].Site != "hcm-q1" ||
			sil.Silences[0].Rule != "cam-offline" || sil.Silences[0].Program != "ward-street" {
			t.Errorf("the silence in the API: %+v %v", sil.Silences, err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#silences li.item button.expire"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "expired too", `document.querySelector("#manage-msg").textContent === "Silence expired" && !document.querySelector("#silences li.item")`)
		// Maintenance of one camera: the window names the camera alone.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const p = document.querySelector("#mt-program"); p.value = "ward-street"; p.dispatchEvent(new Event("change"));
			const c = [...document.querySelectorAll("#mt-camera option")].find((o) => o.textContent === "Hẻm cam-c"); document.querySelector("#mt-camera").value = c.value;
			return true; })()`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#mt-note"), "thay camera"), chromedp.Click(chromedp.CSS(`#maintenance-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "cam-c's maintenance listed by name", `[...document.querySelectorAll("#maintenance li.item strong")].some((s) => s.textContent === "Camera Hẻm cam-c")`)
		var mt struct {
			Maintenance []struct{ ID, Site, Camera, Program, Note string }
		}
		if err := getJSON(base+"/api/v1/maintenance", &mt); err != nil || len(mt.Maintenance) != 1 || mt.Maintenance[0].Camera != "cam-c" || mt.Maintenance[0].Site != "hcm-q1" ||
			mt.Maintenance[0].Program != "" || mt.Maintenance[0].Note != "thay camera" {
			t.Errorf("the maintenance window in the API: %+v %v", mt.Maintenance, err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#maintenance li.item button.end"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "ended", `document.querySelector("#manage-msg").textContent === "Maintenance ended"`)
		waitFor(t, ctx, "a technician has no users link", `document.querySelector("nav a[data-route=users]").hidden`)
		waitFor(t, ctx, "the rules in force, read only, with their file and schedule", `document.querySelector("#rules-file").textContent.includes("testdata/alerts.yaml")
			&& [...document.querySelectorAll("#rules li.item")].map((li) => li.dataset.rule).join(",") === "cam-offline,night-motion"
			&& document.querySelector('#rules li[data-rule="night-motion"]').textContent.includes("5+1 group, neighbourhood 7 · 22:00-05:00")
			&& document.querySelector('#rules li[data-rule="night-motion"]').textContent.includes("critical")
			&& !document.querySelector("#rules button") && !/\bnull\b|undefined/.test(document.querySelector("#view").innerText)`)
		waitFor(t, ctx, "the arm state, read only for a technician", `document.querySelector('#arming li[data-program="5plus1-tdp7"]').dataset.armed === "true"
			&& document.querySelector('#arming li[data-program="5plus1-tdp7"] .badge').textContent === "Armed" && !document.querySelector("#arming button")`)
	})

	t.Run("an admin adds a user and a token from the page; each secret is shown once", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "signed out", `document.querySelector("#login")`)
		signIn(t, ctx, base, "ward-admin", adminPass)
		// Arming first: the state is read back from the server.
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/manage")); err != nil {
			t.Fatal(err)
		}
		arming := `#arming li[data-program="5plus1-tdp7"]`
		waitFor(t, ctx, "the 5+1 group armed, with its night motion rule", `document.querySelector('`+arming+`').dataset.armed === "true"
			&& document.querySelector('`+arming+` .badge').textContent === "Armed" && document.querySelector('`+arming+` .sched').textContent === "Motion rules: night-motion (22:00-05:00)"
			&& document.querySelector('#arming li[data-program="ward-street"] .sched').textContent === "No motion rule for this program"`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(arming+" button.disarm"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "disarmed, as the server says", `document.querySelector('`+arming+`').dataset.armed === "false" && document.querySelector('`+arming+` .badge').textContent === "Disarmed"`)
		screenshot(t, ctx, "manage-admin-en")
		var rules struct{ Disarmed []string }
		if err := getJSON(base+"/api/v1/rules", &rules); err != nil || len(rules.Disarmed) != 1 || rules.Disarmed[0] != "5plus1-tdp7" {
			t.Errorf("disarmed in the API: %v %v", rules.Disarmed, err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(arming+" button.arm"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "armed again", `document.querySelector('`+arming+`').dataset.armed === "true"`)
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/users")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the users page lists the accounts", `[...document.querySelectorAll("#users li.item")].map((li) => li.dataset.user).join(",") === "op-lan,tech-ward,ward-admin,ward-viewer"
			&& document.querySelector('#users li[data-user="op-lan"]').textContent.includes("5+1 group, neighbourhood 7")`)
		// A new operator of the 5+1 group, the program chosen by name.
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#u-name"), "op-minh")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			document.querySelector("#u-role").value = "operator";
			const k = document.querySelector("#u-scope-kind"); k.value = "programs"; k.dispatchEvent(new Event("change"));
			const o = [...document.querySelectorAll("#u-scope-items option")].find((o) => o.textContent === "5+1 group, neighbourhood 7");
			o.selected = true; return true; })()`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#user-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "op-minh added, the made password shown once", `document.querySelector("#users-msg").textContent === "op-minh added"
			&& document.querySelector("#secret-value") && document.querySelector("#secret-value").textContent.length === 16
			&& document.querySelector('#users li[data-user="op-minh"]')`)
		pw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#secret-value").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "users-admin-en")
		// A token for a script: shown once, works, revoked from the page.
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#k-name"), "ward-report")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#token-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the token shown once", `document.querySelector("#users-msg").textContent === "Token ward-report created"
			&& /^cwt_/.test(document.querySelector("#secret-value").textContent) && document.querySelector('#tokens li[data-state="active"]')`)
		tok, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#secret-value").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if code := bearerStatus(t, base+"/api/v1/cameras", tok); code != http.StatusOK {
			t.Errorf("the new token reads cameras: %d", code)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/cameras"), chromedp.Navigate(base+"/console/#/users")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "back on the page, the secrets are gone", `document.querySelector('#tokens li[data-state="active"]') && !document.querySelector("#secret")
			&& !document.body.innerText.includes(`+jsString(pw)+`) && !document.body.innerText.includes(`+jsString(tok)+`)`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#tokens li[data-state="active"] button.revoke`))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "revoked", `document.querySelector("#users-msg").textContent === "ward-report revoked" && document.querySelector('#tokens li[data-state="revoked"]')`)
		testenv.Eventually(t, 5*time.Second, func() error {
			if code := bearerStatus(t, base+"/api/v1/cameras", tok); code != http.StatusUnauthorized {
				return fmt.Errorf("revoked token: %d, want 401", code)
			}
			return nil
		})
		// The new operator signs in with the made password and sees their
		// program only.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "signed out", `document.querySelector("#login")`)
		signIn(t, ctx, base, "op-minh", pw)
		waitFor(t, ctx, "op-minh sees the two cameras of the 5+1 group", `document.querySelectorAll("#cameras li.cam").length === 2 && document.querySelector("nav a[data-route=users]").hidden`)
	})

	t.Run("every page in Vietnamese and English on a 360 px phone: its own title, names, no sideways scrolling", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "signed out", `document.querySelector("#login")`)
		signIn(t, ctx, base, "ward-admin", adminPass) // an admin sees every page
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)) })
		pages := []struct{ route, title, ready string }{
			{"camera/cam-a", "timeline.title", `document.querySelectorAll("#lane rect").length > 0`},
			{"cameras", "cameras.title", `document.querySelectorAll("#cameras li.cam").length === 3 && document.querySelector('#cameras li[data-camera="cam-a"] img.thumb').complete`},
			{"alerts", "alerts.title", `document.querySelector("#feed-status.ok")`},
			// The "All programs" card counts every program's alerts (op-lan
			// acknowledged one above): its median was "—" while each
			// program's had one.
			{"uptime", "uptime.title", `document.querySelectorAll("#uptime .uptime-chart rect.bar").length > 0
				&& document.querySelector('#uptime [data-group="all"] .tta') && document.querySelector('#uptime [data-group="all"] .tta').textContent !== "—"`},
			{"investigate", "inv.title", `document.querySelector("#view form")`},
			{"review", "review.title", `document.querySelector("#review-link")`},
			{"manage", "manage.title", `document.querySelector("#rules li.item") && document.querySelector("#arming li.item .badge")`},
			{"users", "users.title", `document.querySelector("#users li.item") && document.querySelector("#tokens li.item")`},
		}
		for _, lang := range []string{"vi", "en"} {
			// The language button, as a user switches (one page load, so
			// every step below is the same document).
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.lang === `+jsString(lang)+` || (document.querySelector("#lang").click(), true)`)); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/"+p.route)); err != nil {
					t.Fatal(err)
				}
				waitFor(t, ctx, p.route+" in "+lang+" at 360 px", `document.body.dataset.ready === "1" && !document.querySelector("#view").hasAttribute("aria-busy")
					&& document.documentElement.lang === `+jsString(lang)+`
					&& document.querySelector("#view h1").textContent === window.CAMWATCH_I18N[`+jsString(lang)+`][`+jsString(p.title)+`].replace("{0}", {vi: "Đầu hẻm 15", en: "Alley 15 entrance"}[`+jsString(lang)+`])
					&& window.CAMWATCH_I18N.vi[`+jsString(p.title)+`] !== window.CAMWATCH_I18N.en[`+jsString(p.title)+`] && (`+p.ready+`)`)
				screenshot(t, ctx, strings.ReplaceAll(p.route, "/", "-")+"-phone-"+lang)
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
					const wide = document.documentElement.scrollWidth;
					if (wide > 360) return "the page is " + wide + " px wide: " + [...document.querySelectorAll("#view *")].filter((e) => e.getBoundingClientRect().right > 361).slice(0, 3).map((e) => e.tagName + "#" + e.id + "." + e.className).join(" ");
					const slug = /5plus1-tdp7|ben-nghe|da-kao|ward-street|\bnull\b|\bundefined\b|NaN/.exec(document.querySelector("#view").innerText);
					return slug ? "a slug or an empty value on the page: " + slug[0] : ""; })()`))
				if err != nil || text != "" {
					t.Errorf("%s in %s at 360 px: %s %v", p.route, lang, text, err)
				}
			}
		}
	})
}

// bearerStatus is the status of GET u with an API token.
func bearerStatus(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
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

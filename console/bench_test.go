package console_test

import (
	"context"
	"fmt"
	"log/slog"
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

// TestCameraListTiming measures, in headless Chromium against a real
// aggregator holding 1,000 cameras (a fifth of them with a problem), the
// time from navigating to the console until the camera list shows every
// card, and how many bytes the page itself (HTML, JS, CSS) weighs and
// whether it asked anything of another host. It logs the figures
// (docs/BENCHMARKS.md); it asserts only that the list is complete and
// nothing external was requested, never a time.
//
//	CAMWATCH_BENCH=1 go test ./console -run TestCameraListTiming -v
func TestCameraListTiming(t *testing.T) {
	if testing.Short() || testenvFlag() == "" {
		t.Skip("measurement; CAMWATCH_BENCH=1 runs it")
	}
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
	bg := context.Background()
	admin, _, err := agg.Directory().CreateToken(bg, "bench", auth.Admin, auth.Scope{All: true}, time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	adminToken = admin
	if _, err := agg.Directory().AddUser(bg, "bench-op", auth.Operator, auth.Scope{All: true}, "bench-operator-pw", "test"); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ed := &edge{t: t, js: js, seq: map[string]uint64{}}
	ed.heartbeat()
	const n = 1000
	for i := range n {
		st, reason := event.StatusOnline, event.Reason("")
		if i%5 == 0 {
			st, reason = event.StatusOffline, event.ReasonRefused
		}
		ed.health(fmt.Sprintf("cam-%04d", i), fmt.Sprintf("prog-%02d", i%20), "ben-nghe", st, reason)
	}
	testenv.Eventually(t, 60*time.Second, func() error {
		var list struct{ Cameras []struct{ ID string } }
		if err := getJSON(base+"/api/v1/cameras", &list); err != nil || len(list.Cameras) != n {
			return fmt.Errorf("%d cameras %v", len(list.Cameras), err)
		}
		return nil
	})
	signIn(t, ctx, base, "bench-op", "bench-operator-pw")
	var times, peer []time.Duration
	for range 7 {
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/#/cameras")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "1000 cards", fmt.Sprintf(`document.querySelectorAll("#cameras li.cam").length === %d`, n))
		times = append(times, time.Since(start))
		// The peer, in the same run and page: the camera list's answer
		// alone (request, transfer, JSON parse), the floor no rendering
		// can go under.
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => { const t0 = performance.now();
			const r = await fetch("/api/v1/cameras", { credentials: "same-origin" }); await r.json(); return performance.now() - t0; })()`,
			func(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }))
		if err != nil {
			t.Fatal(err)
		}
		peer = append(peer, time.Duration(ms*float64(time.Millisecond)))
	}
	weight, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation"))
		.filter((e) => /\/console\//.test(e.name)).reduce((s, e) => s + (e.decodedBodySize || 0), 0)`))
	if err != nil {
		t.Fatal(err)
	}
	external, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter((e) => new URL(e.name).host !== location.host).length`))
	if err != nil {
		t.Fatal(err)
	}
	if external != 0 {
		t.Errorf("%d requests to other hosts", external)
	}
	t.Logf("time to a usable camera list of %d cameras: %v (median of %d: %v); peer, GET /api/v1/cameras + JSON parse in the page: %v (median %v); ratio of medians %.2f; page weight (HTML+JS+CSS, uncompressed) %.0f bytes; external requests %d",
		n, times, len(times), median(times), peer, median(peer), float64(median(times))/float64(median(peer)), weight, external)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func testenvFlag() string { return os.Getenv("CAMWATCH_BENCH") }

package api

import (
	"context"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInvestigationPageTiming measures the console's investigation page
// in headless Chromium over 50 cameras × 24 h (cityDay: 7,200 motion
// marks, an outage per camera every 6 h, a real Redis and the events
// stream of an embedded NATS): the time from navigation until every lane
// and mark is drawn, its peer in the same run (the page itself fetching
// and parsing the same timeline answer, without drawing), and the time of
// a zoom step (the click until the next frame is painted). It logs the
// medians (docs/BENCHMARKS.md) and asserts only what the page shows (50
// lanes, the marks, a mark opening its event), never a time.
//
//	CAMWATCH_BENCH=1 go test ./api -run TestInvestigationPageTiming -v
func TestInvestigationPageTiming(t *testing.T) {
	if testing.Short() || os.Getenv("CAMWATCH_BENCH") == "" {
		t.Skip("measurement; CAMWATCH_BENCH=1 runs it")
	}
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium is needed (scripts/services.sh installs it): %v", err)
	}
	h, cams, end := cityAPI(t)
	srv := httptest.NewServer(h)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, stop := context.WithTimeout(ctx, 10*time.Minute)
	defer stop()

	q := "program=bench&from=" + end.Add(-24*time.Hour).UTC().Format(time.RFC3339) + "&to=" + end.UTC().Format(time.RFC3339)
	page := srv.URL + "/console/#/investigate?" + q
	wait := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 2 minutes", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	const runs = 5
	var load, fetchParse, zoom []time.Duration
	var marks int
	for range runs {
		if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := chromedp.Run(ctx, chromedp.Navigate(page)); err != nil {
			t.Fatal(err)
		}
		wait("50 lanes with their marks", `document.querySelectorAll("#lanes .lane[data-camera]").length === 50 && document.querySelectorAll("#lanes .mark").length > 7000`)
		load = append(load, time.Since(start))
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#lanes .mark").length`))
		if err != nil {
			t.Fatal(err)
		}
		marks = n
		// A mark still opens its event (one listener per lane).
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lanes .lane[data-camera="cam-007"] .mark.snap`))); err != nil {
			t.Fatal(err)
		}
		wait("the mark's dialog", `!!document.querySelector("#mark-dialog[open] h2") && document.querySelector("#mark-dialog h2").textContent.startsWith("cam-007")`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#mark-dialog button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
		// The peer: the same answer fetched and parsed by the page, not drawn.
		ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => { const t0 = performance.now();
			const r = await fetch("/api/v1/timeline?`+q+`&kind=motion.start,clip", { credentials: "same-origin" }); await r.json(); return performance.now() - t0; })()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		fetchParse = append(fetchParse, time.Duration(ms*float64(time.Millisecond)))
		// A zoom step from 24 h to 1 h and back, each until painted.
		for _, z := range []string{"60", "1440"} {
			ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((done) => { const t0 = performance.now();
				document.querySelector('button[data-zoom="`+z+`"]').click();
				requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0))); })`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			zoom = append(zoom, time.Duration(ms*float64(time.Millisecond)))
		}
		wait("zoomed back to 24 h", `document.querySelector('button[data-zoom="1440"]').getAttribute("aria-pressed") === "true"`)
	}
	med := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	t.Logf("investigation page, %d cameras × 24 h, %d marks: load to drawn %v (median of %d: %v); peer (fetch + parse of the same answer) %v (median %v); ratio %.2f; zoom step to painted %v (median %v)",
		len(cams), marks, load, runs, med(load), fetchParse, med(fetchParse), float64(med(load))/float64(med(fetchParse)), zoom, med(zoom))
}

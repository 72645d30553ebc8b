package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chrome starts headless chromium (scripts/services.sh installs it;
// CAMWATCH_NO_BROWSER=1 skips).
func chrome(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("CAMWATCH_NO_BROWSER") == "1" {
		t.Skip("CAMWATCH_NO_BROWSER=1")
	}
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium is needed (scripts/services.sh installs it; CAMWATCH_NO_BROWSER=1 skips): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.Flag("no-first-run", true), chromedp.WindowSize(1400, 900))
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

// until polls the page until the JavaScript expression is truthy.
func until(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pred := "(() => { try { return !!(" + expr + ") } catch (e) { return false } })()"
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](pred, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		t.Fatalf("%s: %v\npage:\n%s", what, err, text)
	}
}

// evaluate runs expr in the page.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// login signs in through the console's form.
func login(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/console/")); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "the login form", `document.body.dataset.ready === "1" && document.querySelector("#login")`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#login-user"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), password), chromedp.Click(chromedp.CSS(`#login button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, user+" signed in", `!document.querySelector("#who").hidden && document.querySelector("#who").textContent.startsWith("`+strings.ReplaceAll(user, `"`, ``)+`")`)
}

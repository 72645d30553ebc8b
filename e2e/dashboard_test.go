package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/testenv"
)

// dashboardMetrics returns the metric names the dashboard queries, each
// with the job variable of its expression ("aggregator" or "edge").
func dashboardMetrics(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	name := regexp.MustCompile(`\b((?:camwatch|process|go)_[a-z0-9_]+)\b`)
	job := regexp.MustCompile(`job=~"\$(aggregator|edge)"`)
	out := map[string]string{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			j := job.FindStringSubmatch(tg.Expr)
			if j == nil {
				t.Errorf("panel %q: expression %q does not select a job ($aggregator or $edge)", p.Title, tg.Expr)
				continue
			}
			for _, m := range name.FindAllString(tg.Expr, -1) {
				out[m] = j[1]
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("the dashboard queries only %d metrics: %v", len(out), out)
	}
	return out
}

// exposed lists the metric names in a Prometheus text exposition, with a
// histogram's _bucket, _sum and _count series.
func exposed(body string) map[string]bool {
	got := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n := line
		if i := strings.IndexAny(n, "{ "); i >= 0 {
			n = n[:i]
		}
		got[n] = true
	}
	return got
}

// TestDashboardMetricsExist: every metric the shipped Grafana dashboard
// (dashboards/camwatch.json) queries is in /metrics of a running
// aggregator (with alert rules and a webhook receiver, after an alert
// fired, was notified and acknowledged) or edge agent (built binaries, as
// deployed), whichever the panel's job names.
func TestDashboardMetricsExist(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	want := dashboardMetrics(t, "../dashboards/camwatch.json")
	var got atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	dir := t.TempDir()
	rules := writeFile(t, dir, "alerts.yaml", `timezone: Asia/Ho_Chi_Minh
rules:
  - id: e2e-offline
    trigger: {type: offline, for: 1s}
    match: {programs: [e2e-program]}
    severity: critical
    receivers: [e2e-hook]
`)
	receivers := writeFile(t, dir, "receivers.yaml", fmt.Sprintf("receivers:\n  - {name: e2e-hook, url: %q, secret_env: E2E_HOOK_SECRET}\n", hook.URL))
	s := startSystemWith(t, setup{
		cameras:  []camSpec{{"cam-walk", "walk-320x240"}, {"cam-flaky", "static-320x240"}},
		aggExtra: fmt.Sprintf("alerts: {rules: %q, receivers: %q}\n", rules, receivers),
		env:      []string{"E2E_HOOK_SECRET=e2e-hook-hmac-secret"},
	})
	s.waitStatus("cam-flaky", "online", 30*time.Second)
	s.fault("cam-flaky", "offline", 30)
	testenv.Eventually(t, 30*time.Second, func() error {
		if got.Load() == 0 {
			return fmt.Errorf("no notification yet")
		}
		return nil
	})
	var list struct{ Alerts []struct{ Key string } }
	testenv.Eventually(t, 20*time.Second, func() error {
		b, err := s.get("/api/v1/alerts")
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &list); err != nil || len(list.Alerts) == 0 {
			return fmt.Errorf("open alerts %s %v", b, err)
		}
		return nil
	})
	req, _ := http.NewRequest(http.MethodPost, s.apiBase+"/api/v1/alerts/"+url.PathEscape(list.Alerts[0].Key)+"/ack", strings.NewReader(`{"note":"e2e"}`))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := httpClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ack: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	testenv.Eventually(t, 30*time.Second, func() error {
		a, err := s.get("/metrics")
		if err != nil {
			return err
		}
		e, err := getURL(s.edgeHTTP+"/metrics", "")
		if err != nil {
			return err
		}
		agg, edge := exposed(string(a)), exposed(string(e))
		var missing []string
		for m, job := range want {
			have := agg
			if job == "edge" {
				have = edge
			}
			if !have[m] {
				missing = append(missing, job+":"+m)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			return fmt.Errorf("the dashboard queries metrics the %s does not expose: %v", "deployment", missing)
		}
		return nil
	})
}

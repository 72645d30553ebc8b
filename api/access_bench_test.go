package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/camwatch/camwatch/auth"
)

// BenchmarkAccessOverhead measures what authentication, authorization
// and (for the audited read) the audit append add to one request, in the
// same run and interleaved with the same request with the checks off, so
// machine noise hits both alike. It reports p50 and p99 per variant:
//
//	go test ./api -run XXX -bench AccessOverhead -benchtime 3000x
func BenchmarkAccessOverhead(b *testing.B) {
	w := newWorld(b)
	if _, err := w.dir.AddUser(b.Context(), "bench-op", auth.Operator, scopeA, "bench-password-1", "bench"); err != nil {
		b.Fatal(err)
	}
	on := w.srv.Config.Handler
	o := w.opts
	o.noChecks = true
	off := New(o)
	cookie := w.login("bench-op", "bench-password-1")
	for _, v := range []struct {
		name, path string
		auth       func(*http.Request)
	}{
		{"camera read, token", "/api/v1/cameras/pa-1", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+w.tokens[auth.Operator]) }},
		{"camera read, session", "/api/v1/cameras/pa-1", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "camwatch_session", Value: cookie}) }},
		{"camera list, token", "/api/v1/cameras", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+w.tokens[auth.Operator]) }},
		{"events query (audited), token", "/api/v1/cameras/pa-1/events?limit=10", func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+w.tokens[auth.Operator])
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			var withChecks, without []time.Duration
			for i := 0; b.Loop(); i++ {
				for _, checks := range []bool{i%2 == 0, i%2 != 0} {
					req := httptest.NewRequest("GET", v.path, nil)
					req.Host = "127.0.0.1:8080"
					h := off
					if checks {
						v.auth(req)
						h = on
					}
					rec := httptest.NewRecorder()
					start := time.Now()
					h.ServeHTTP(rec, req)
					d := time.Since(start)
					if rec.Code != 200 {
						b.Fatalf("%s checks=%v: %d %s", v.path, checks, rec.Code, rec.Body.String())
					}
					if checks {
						withChecks = append(withChecks, d)
					} else {
						without = append(without, d)
					}
				}
			}
			p := func(ds []time.Duration, q float64) float64 {
				slices.Sort(ds)
				return float64(ds[int(q*float64(len(ds)-1))].Microseconds())
			}
			b.ReportMetric(p(withChecks, .5), "p50-µs")
			b.ReportMetric(p(withChecks, .99), "p99-µs")
			b.ReportMetric(p(without, .5), "off-p50-µs")
			b.ReportMetric(p(without, .99), "off-p99-µs")
			b.ReportMetric(p(withChecks, .5)-p(without, .5), "added-p50-µs")
			b.ReportMetric(p(withChecks, .99)-p(without, .99), "added-p99-µs")
		})
	}
}

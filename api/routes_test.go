package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/auth"
)

// TestRouteTableDeclaresPermissions: every route names a permission the
// policy knows, and no pattern is listed twice.
func TestRouteTableDeclaresPermissions(t *testing.T) {
	s := &server{o: Options{}}
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		if !rt.perm.Declared() {
			t.Errorf("route %q declares no known permission (%q)", rt.pattern, rt.perm)
		}
		if seen[rt.pattern] {
			t.Errorf("route %q is listed twice", rt.pattern)
		}
		seen[rt.pattern] = true
	}
	if auth.Permission("").Declared() {
		t.Error("the empty permission counts as declared")
	}
}

// TestWrongMethod: a path served with other methods answers 405 naming
// them (Allow), not 404 "no such route"; a path nobody serves stays 404.
func TestWrongMethod(t *testing.T) {
	h := newAPI(Options{})
	for _, tc := range []struct {
		name, method, path string
		code               int
		allow              string
	}{
		{"POST to a GET route", http.MethodPost, "/api/v1/cameras", http.StatusMethodNotAllowed, "GET"},
		{"DELETE to a GET and POST route", http.MethodDelete, "/api/v1/silences", http.StatusMethodNotAllowed, "GET, POST"},
		{"GET to a POST route", http.MethodGet, "/api/v1/session/password", http.StatusMethodNotAllowed, "POST"},
		{"GET to a DELETE-only path", http.MethodGet, "/api/v1/tokens/abc", http.StatusMethodNotAllowed, "DELETE"},
		{"unknown path", http.MethodPost, "/api/v1/nothing", http.StatusNotFound, ""},
		{"unknown path, GET", http.MethodGet, "/api/v1/nothing", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.path, strings.NewReader("{}")))
			if rec.Code != tc.code || rec.Header().Get("Allow") != tc.allow {
				t.Fatalf("%s %s: %d Allow %q (%s), want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), rec.Body, tc.code, tc.allow)
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("content type %q, want the API's JSON error", rec.Header().Get("Content-Type"))
			}
		})
	}
}

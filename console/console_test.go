package console

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func TestAssetsServedWithTypes(t *testing.T) {
	h := Handler(Options{TimeZone: "Asia/Ho_Chi_Minh"})
	for _, tc := range []struct {
		name, path, ctype, contains string
	}{
		{"page", "/console/", "text/html", `<main id="view"`},
		{"index by name redirects to the folder", "/console/index.html", "", ""},
		{"script", "/console/app.js", "text/javascript", "EventSource"},
		{"dictionaries", "/console/i18n.js", "text/javascript", "Từ chối kết nối"},
		{"styles", "/console/app.css", "text/css", "@media"},
		{"config", "/console/config.json", "application/json", `"time_zone":"Asia/Ho_Chi_Minh"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, tc.path)
			body, _ := io.ReadAll(res.Body)
			if tc.ctype == "" {
				if res.StatusCode != http.StatusMovedPermanently {
					t.Fatalf("status %d", res.StatusCode)
				}
				return
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("content type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			if tc.path != "/console/config.json" && res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff header")
			}
		})
	}
}

func TestRootRedirectsAndOtherPathsAreLeftAlone(t *testing.T) {
	c := New(Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.Root)
	mux.HandleFunc("GET "+Prefix, c.Assets)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "api 404", http.StatusTeapot) })
	for _, tc := range []struct {
		name, method, path string
		code               int
		location           string
	}{
		{"root", "GET", "/", http.StatusFound, "/console/"},
		{"unknown api route", "GET", "/api/v1/nothing", http.StatusTeapot, ""},
		{"post to root", "POST", "/", http.StatusTeapot, ""},
		{"missing asset", "GET", "/console/nope.js", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.code || rec.Header().Get("Location") != tc.location {
				t.Errorf("%s %s: %d %q", tc.method, tc.path, rec.Code, rec.Header().Get("Location"))
			}
		})
	}
}

func TestConfigTimeZone(t *testing.T) {
	for _, tc := range []struct{ name, zone, want string }{
		{"configured", "Europe/Paris", "Europe/Paris"},
		{"empty means Ho Chi Minh City", "", DefaultTimeZone},
		{"unknown means Ho Chi Minh City", "Mars/Olympus", DefaultTimeZone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, Handler(Options{TimeZone: tc.zone}), "/console/config.json")
			var c Config
			if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
				t.Fatal(err)
			}
			if c.TimeZone != tc.want {
				t.Errorf("time zone %q, want %q", c.TimeZone, tc.want)
			}
		})
	}
}

// TestDictionariesComplete: both languages have the same keys, and every
// key the script asks for literally is in them.
func TestDictionariesComplete(t *testing.T) {
	src, err := static.ReadFile("static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(src), "\n  en: {")
	if len(parts) != 2 {
		t.Fatal("i18n.js: no en dictionary")
	}
	keyRe := regexp.MustCompile(`(?m)^\s+"([a-zA-Z0-9_.]+)":`)
	keys := func(s string) []string {
		var out []string
		for _, m := range keyRe.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	vi, en := keys(parts[0]), keys(parts[1])
	if len(vi) < 50 || !slices.Equal(vi, en) {
		t.Fatalf("vi has %d keys, en %d; they differ: %v", len(vi), len(en), symdiff(vi, en))
	}
	for _, file := range []string{"app.js", "users.js"} {
		src, err := static.ReadFile("static/" + file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\bt\("([a-zA-Z0-9_.]*[a-zA-Z0-9_])"[,)]`).FindAllStringSubmatch(string(src), -1) {
			if _, ok := slices.BinarySearch(vi, m[1]); !ok {
				t.Errorf("%s uses %q, which no dictionary has", file, m[1])
			}
		}
	}
	for _, r := range []string{"refused", "auth_failed", "not_found", "timeout", "stalled", "codec_missing", "protocol", "closed", "starting", "black", "frozen", "scene_change", "blurred"} {
		if _, ok := slices.BinarySearch(vi, "reason."+r); !ok {
			t.Errorf("reason %s has no words", r)
		}
	}
}

func symdiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "vi:"+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "en:"+x)
		}
	}
	return out
}

// TestInvestigateDictionaries: the investigation page's own dictionaries
// (investigate.js) have the same keys in both languages, and every key
// it asks for is in them or in i18n.js.
func TestInvestigateDictionaries(t *testing.T) {
	src, err := static.ReadFile("static/investigate.js")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := static.ReadFile("static/i18n.js")
	viPart, rest, ok := strings.Cut(string(src), "Object.assign(window.CAMWATCH_I18N.en, {")
	enPart, code, ok2 := strings.Cut(rest, "});")
	if !ok || !ok2 {
		t.Fatal("investigate.js: no vi and en dictionaries")
	}
	keyRe := regexp.MustCompile(`(?m)^\s+"([a-zA-Z0-9_.]+)":`)
	keys := func(s string) []string {
		var out []string
		for _, m := range keyRe.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	vi, en := keys(viPart), keys(enPart)
	if len(vi) < 40 || !slices.Equal(vi, en) {
		t.Fatalf("vi has %d keys, en %d: %v", len(vi), len(en), symdiff(vi, en))
	}
	all := append(keys(string(base)), vi...)
	slices.Sort(all)
	for _, m := range regexp.MustCompile(`\bt\("([a-zA-Z0-9_.]*[a-zA-Z0-9_])"[,)]`).FindAllStringSubmatch(code, -1) {
		if _, ok := slices.BinarySearch(all, m[1]); !ok {
			t.Errorf("investigate.js uses %q, which no dictionary has", m[1])
		}
	}
}

// TestConfigNotice: a notice reaches the page in both languages; without
// one, config.json says nothing of it.
func TestConfigNotice(t *testing.T) {
	res := get(t, Handler(Options{Notice: &Notice{VI: "Dữ liệu tạo ra", EN: "Generated data"}}), "/console/config.json")
	var c Config
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil || c.Notice == nil || c.Notice.VI != "Dữ liệu tạo ra" || c.Notice.EN != "Generated data" {
		t.Fatalf("config %+v %v", c, err)
	}
	res = get(t, Handler(Options{}), "/console/config.json")
	var raw map[string]any
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil || raw["notice"] != nil {
		t.Fatalf("config without a notice: %v %v", raw, err)
	}
}

package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// DefaultTimeZone is the zone times are shown in when none is configured:
// the cameras are in Ho Chi Minh City.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

// Prefix is where the assets are served; GET / redirects there.
const Prefix = "/console/"

//go:embed static
var static embed.FS

// Options configure the console.
type Options struct {
	// TimeZone is the IANA zone the page shows times in (the aggregator's
	// timezone); empty or unknown means DefaultTimeZone.
	TimeZone string
}

// Config is /console/config.json: what the page needs from the server
// before it can render, and nothing secret.
type Config struct {
	TimeZone string `json:"time_zone"`
}

// Handler serves the console under Prefix and the redirect of "/".
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	Mount(mux, o)
	return mux
}

// Mount adds GET / and GET /console/... to mux, leaving every other path
// (e.g. unknown /api/ routes) to the mux's other handlers.
func Mount(mux *http.ServeMux, o Options) {
	cfg := Config{TimeZone: o.TimeZone}
	if _, err := time.LoadLocation(cfg.TimeZone); cfg.TimeZone == "" || err != nil {
		cfg.TimeZone = DefaultTimeZone
	}
	body, _ := json.Marshal(cfg) // a struct of strings always encodes
	sub, _ := fs.Sub(static, "static")
	files := http.FileServerFS(sub)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusFound)
	})
	mux.HandleFunc("GET "+Prefix+"config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
	mux.Handle("GET "+Prefix, http.StripPrefix(Prefix, securityHeaders(files)))
}

// securityHeaders keeps the page from being framed or loading anything
// from elsewhere, and gives types that browsers rely on for modules.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := mime.TypeByExtension(path.Ext(r.URL.Path)); t != "" {
			w.Header().Set("Content-Type", t)
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

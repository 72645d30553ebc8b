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
	// Notice, when set, is shown on every page, above it (the demo says
	// which history is generated).
	Notice *Notice
}

// Notice is a banner in both languages.
type Notice struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// Config is /console/config.json: what the page needs from the server
// before it can render, and nothing secret.
type Config struct {
	TimeZone string  `json:"time_zone"`
	Notice   *Notice `json:"notice,omitempty"`
}

// Console serves the page's files; its handlers are mounted by the
// aggregator's route table (api), which declares them open: the login page
// must load before anyone is signed in, and nothing here is data.
type Console struct {
	config []byte
	files  http.Handler
}

// New prepares the console's handlers.
func New(o Options) *Console {
	cfg := Config{TimeZone: o.TimeZone, Notice: o.Notice}
	if _, err := time.LoadLocation(cfg.TimeZone); cfg.TimeZone == "" || err != nil {
		cfg.TimeZone = DefaultTimeZone
	}
	body, _ := json.Marshal(cfg) // a struct of strings always encodes
	sub, _ := fs.Sub(static, "static")
	return &Console{config: body, files: http.StripPrefix(Prefix, securityHeaders(http.FileServerFS(sub)))}
}

// Root redirects GET / to the console.
func (c *Console) Root(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, Prefix, http.StatusFound)
}

// Config serves GET /console/config.json.
func (c *Console) Config(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(c.config)
}

// Assets serves GET /console/... (the page, scripts, styles).
func (c *Console) Assets(w http.ResponseWriter, r *http.Request) { c.files.ServeHTTP(w, r) }

// Handler serves the console alone (GET /, /console/config.json and
// /console/...), for tests and tools; the aggregator mounts the same
// handlers through its route table.
func Handler(o Options) http.Handler {
	c := New(o)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.Root)
	mux.HandleFunc("GET "+Prefix+"config.json", c.Config)
	mux.HandleFunc("GET "+Prefix, c.Assets)
	return mux
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

package api

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ev(k event.Kind, cam string, seq uint64, at time.Time) *event.Event {
	e := &event.Event{Schema: 1, ID: event.NewID(), Kind: k, Site: "q1", Agent: "edge-1", Camera: cam,
		Labels: event.Labels{Ward: "Ben Thanh"}, Time: at, Seq: seq}
	switch k {
	case event.KindHeartbeat:
		e.Camera = ""
		e.Heartbeat = &event.Heartbeat{Version: "t", Started: at, IntervalS: 5, Cameras: 1, Online: 1}
	case event.KindMotionStart, event.KindMotionEnd:
		e.Motion = &event.Motion{Detector: "compressed", Score: 1, Started: at}
	default:
		e.Health = &event.Health{Status: event.StatusOnline, Since: at, FPS: 15}
	}
	return e
}

// newServer fills a real Redis with one camera's last two hours (health
// events, which Redis keeps one by one, and motion) and
// serves the API on it.
func newServer(t *testing.T, checks map[string]Check) *httptest.Server {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	store := camstate.New(rdb, camstate.Options{Prefix: prefix, Now: func() time.Time { return now }})
	var evs []*event.Event
	for i := uint64(1); i <= 120; i++ {
		k := event.KindHealth
		if i%10 == 0 {
			k = event.KindMotionStart
		}
		evs = append(evs, ev(k, "cam-1", i, now.Add(-2*time.Hour).Add(time.Duration(i)*time.Minute)))
	}
	evs = append(evs, ev(event.KindHeartbeat, "", 1, now.Add(-time.Second)))
	res, err := store.Apply(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	srv := httptest.NewServer(newAPI(Options{Store: timeline(t, store, evs), Checks: checks, Now: func() time.Time { return now },
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "camwatch_up 1\n") })}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, into any) int {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v in %q", path, err, body)
		}
	}
	return resp.StatusCode
}

func TestCameras(t *testing.T) {
	srv := newServer(t, nil)
	var list struct{ Cameras []camstate.Camera }
	if code := get(t, srv, "/api/v1/cameras", &list); code != 200 || len(list.Cameras) != 1 || list.Cameras[0].ID != "cam-1" {
		t.Fatalf("list: %d %+v", code, list)
	}
	var cam camstate.Camera
	if code := get(t, srv, "/api/v1/cameras/cam-1", &cam); code != 200 || cam.Status != event.StatusOnline || cam.LastSeq != 120 || cam.Labels.Ward != "Ben Thanh" {
		t.Errorf("camera: %d %+v", code, cam)
	}
	var e struct{ Error string }
	if code := get(t, srv, "/api/v1/cameras/nope", &e); code != 404 || !strings.Contains(e.Error, "nope") {
		t.Errorf("unknown camera: %d %q", code, e.Error)
	}
	if code := get(t, srv, "/api/v1/cameras/nope/events", &e); code != 404 {
		t.Errorf("events of unknown camera: %d", code)
	}
}

func TestEvents(t *testing.T) {
	srv := newServer(t, nil)
	cases := []struct {
		name      string
		query     string
		want      int
		firstSeq  uint64
		truncated bool
	}{
		{"default last hour", "", 61, 60, false},
		{"range", "?from=2025-06-01T10:00:00Z&to=2025-06-01T10:30:00Z", 30, 1, false},
		{"kind", "?from=2025-06-01T00:00:00Z&kind=motion.start", 12, 10, false},
		{"kind list", "?from=2025-06-01T00:00:00Z&kind=motion.start,health", 120, 1, false},
		{"kind repeated", "?from=2025-06-01T00:00:00Z&kind=motion.start&kind=health", 120, 1, false},
		{"limit keeps newest", "?limit=5", 5, 116, true},
		{"max limit", "?limit=10000&from=2025-05-01T00:00:00Z", 120, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body struct {
				Events    []event.Event
				Truncated bool
			}
			if code := get(t, srv, "/api/v1/cameras/cam-1/events"+c.query, &body); code != 200 {
				t.Fatalf("status %d", code)
			}
			if len(body.Events) != c.want || body.Truncated != c.truncated {
				t.Fatalf("%d events (truncated %v), want %d (%v)", len(body.Events), body.Truncated, c.want, c.truncated)
			}
			if c.firstSeq != 0 && body.Events[0].Seq != c.firstSeq {
				t.Errorf("first seq %d, want %d", body.Events[0].Seq, c.firstSeq)
			}
		})
	}
}

func TestEventsBadParams(t *testing.T) {
	srv := newServer(t, nil)
	cases := []struct{ name, query, param string }{
		{"from not a time", "?from=yesterday", "from"},
		{"to not a time", "?to=2025-13-01", "to"},
		{"from after to", "?from=2025-06-01T11:00:00Z&to=2025-06-01T10:00:00Z", "from"},
		{"unknown kind", "?kind=stats,explosion", "kind"},
		{"limit zero", "?limit=0", "limit"},
		{"limit too big", "?limit=10001", "limit"},
		{"limit not a number", "?limit=ten", "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e struct{ Error string }
			if code := get(t, srv, "/api/v1/cameras/cam-1/events"+c.query, &e); code != 400 {
				t.Fatalf("status %d, want 400", code)
			}
			if !strings.HasPrefix(e.Error, c.param+":") {
				t.Errorf("error %q does not name %s", e.Error, c.param)
			}
		})
	}
	var e struct{ Error string }
	// An unknown kind's answer lists the kinds to use.
	if get(t, srv, "/api/v1/cameras/cam-1/events?kind=moton", &e); !strings.Contains(e.Error, "health, stats, motion.start, motion.end, clip") {
		t.Errorf("unknown kind: %q, want the known ones listed", e.Error)
	}
	if code := get(t, srv, "/api/v1/cameras/bad.id/events", &e); code != 400 || !strings.HasPrefix(e.Error, "camera:") {
		t.Errorf("bad id: %d %q", code, e.Error)
	}
}

func TestHealthAndReady(t *testing.T) {
	var redisDown atomic.Bool
	srv := newServer(t, map[string]Check{
		"nats": func(context.Context) error { return nil },
		"redis": func(context.Context) error {
			if redisDown.Load() {
				return errors.New("connection refused")
			}
			return nil
		},
	})
	if code := get(t, srv, "/healthz", nil); code != 200 {
		t.Errorf("healthz %d", code)
	}
	var ready struct {
		Ready  bool
		Checks map[string]string
	}
	if code := get(t, srv, "/readyz", &ready); code != 200 || !ready.Ready || ready.Checks["redis"] != "ok" {
		t.Errorf("readyz up: %d %+v", code, ready)
	}
	redisDown.Store(true)
	ready.Checks = nil
	if code := get(t, srv, "/readyz", &ready); code != 503 || ready.Ready || ready.Checks["redis"] != "connection refused" || ready.Checks["nats"] != "ok" {
		t.Errorf("readyz redis down: %d %+v", code, ready)
	}
	// /metrics is on metrics_listen, or behind its own token: a user's
	// credentials do not open it.
	if code := get(t, srv, "/metrics", nil); code != 404 {
		t.Errorf("metrics with an admin's credentials %d, want 404", code)
	}
	var e struct{ Error string }
	if code := get(t, srv, "/api/v1/nothing", &e); code != 404 || e.Error == "" {
		t.Errorf("unknown route: %d %q", code, e.Error)
	}
}

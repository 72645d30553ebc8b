package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// uptimeServer stores three cameras in real Redis and serves their
// reports at now (2025-06-01 12:00 UTC). Over the last 24 h:
//
//	cam-a (p1, e1): offline 10h..8h ago (timeout), else online: 22h up
//	cam-b (p1, e1): online all day: 24h up
//	cam-c (p2, e2): offline for the last hour, unresolved: 23h up
//
// so p1 has 46h of 48h (95.83 %), below its 99 % target; p2 has 23h of 24h
// (95.83 %), above the default 95 %.
func uptimeServer(t *testing.T, up *Uptime) *httptest.Server {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	tr := func(ago time.Duration, seq uint64, st uptime.State, reason string) uptime.Transition {
		return uptime.Transition{Time: now.Add(-ago), Seq: seq, State: st, Reason: reason}
	}
	cam := func(id, agent, program string, ts ...uptime.Transition) uptime.Camera {
		return uptime.Camera{ID: id, Agent: agent, Labels: event.Labels{Program: program, Ward: "Ben Thanh"}, Transitions: ts}
	}
	h := &uptime.History{Cameras: []uptime.Camera{
		cam("cam-a", "e1", "p1", tr(48*time.Hour, 1, uptime.Online, ""), tr(10*time.Hour, 2, uptime.Offline, "timeout"), tr(8*time.Hour, 3, uptime.Online, "")),
		cam("cam-b", "e1", "p1", tr(48*time.Hour, 1, uptime.Online, "")),
		cam("cam-c", "e2", "p2", tr(48*time.Hour, 1, uptime.Online, ""), tr(time.Hour, 2, uptime.Offline, "refused")),
	}}
	if err := uptime.Write(context.Background(), camstate.New(rdb, camstate.Options{Prefix: prefix}), "q1", now, h); err != nil {
		t.Fatal(err)
	}
	if up != nil {
		up.Source = uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{Now: func() time.Time { return now }})
	}
	srv := httptest.NewServer(newAPI(Options{Uptime: up, Now: func() time.Time { return now }}))
	t.Cleanup(srv.Close)
	return srv
}

func fetch(t *testing.T, srv *httptest.Server, path string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestUptimeJSON(t *testing.T) {
	srv := uptimeServer(t, &Uptime{Targets: map[string]float64{"p1": 99}, DefaultTarget: 95})
	code, ctype, body := fetch(t, srv, "/api/v1/uptime?group=program&window=24h&tz=UTC")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("status %d %s: %s", code, ctype, body)
	}
	var s uptime.Summary
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if !s.From.Equal(now.Add(-24*time.Hour)) || !s.To.Equal(now) || s.TimeZone != "UTC" || s.GroupBy != uptime.GroupProgram {
		t.Errorf("window %v..%v tz %s group %s", s.From, s.To, s.TimeZone, s.GroupBy)
	}
	if len(s.Groups) != 2 {
		t.Fatalf("groups = %+v", s.Groups)
	}
	p1, p2 := s.Groups[0], s.Groups[1]
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p1 cameras", float64(p1.Cameras), 2},
		{"p1 monitored_s", p1.MonitoredS, 48 * 3600},
		{"p1 online_s", p1.OnlineS, 46 * 3600},
		{"p1 offline_s", p1.OfflineS, 2 * 3600},
		{"p1 uptime", p1.UptimePercent, 100 * 46.0 / 48},
		{"p1 outages", float64(p1.Outages), 1},
		{"p1 mttr_s", p1.MTTRS, 2 * 3600},
		{"p1 longest_s", p1.LongestOutageS, 2 * 3600},
		{"p1 target", p1.Target, 99},
		{"p2 uptime", p2.UptimePercent, 100 * 23.0 / 24},
		{"p2 resolved", float64(p2.Resolved), 0},
		{"p2 mtbf_s", p2.MTBFS, 23 * 3600},
		{"p2 target", p2.Target, 95},
		{"all online_s", s.All.OnlineS, 69 * 3600},
		{"p1 daily days", float64(len(p1.Daily)), 2},
		{"p1 worst", float64(len(p1.Worst)), 1},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !p1.Missed || p2.Missed || len(s.Missed) != 1 || s.Missed[0] != "p1" {
		t.Errorf("missed: p1 %v p2 %v list %v", p1.Missed, p2.Missed, s.Missed)
	}
	if len(s.Cameras) != 0 {
		t.Errorf("camera rows without rows=cameras: %d", len(s.Cameras))
	}
}

func TestUptimeCSV(t *testing.T) {
	srv := uptimeServer(t, &Uptime{Targets: map[string]float64{"p1": 99}})
	for _, tc := range []struct {
		name string
		path string
		rows [][2]string // want first cell and offline_s of each row after the header
	}{
		{"groups by path", "/api/v1/uptime.csv?group=program&window=24h", [][2]string{{"p1", "7200"}, {"p2", "3600"}, {"all", "10800"}}},
		{"groups by format", "/api/v1/uptime?format=csv&group=agent&window=24h", [][2]string{{"e1", "7200"}, {"e2", "3600"}, {"all", "10800"}}},
		{"camera rows", "/api/v1/uptime.csv?rows=cameras&window=24h", [][2]string{{"cam-a", "7200"}, {"cam-b", "0"}, {"cam-c", "3600"}}},
		{"one camera", "/api/v1/uptime.csv?camera=cam-c&rows=cameras&window=24h", [][2]string{{"cam-c", "3600"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ctype, body := fetch(t, srv, tc.path)
			if code != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") {
				t.Fatalf("status %d %s: %s", code, ctype, body)
			}
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := -1
			for i, h := range recs[0] {
				if h == "offline_s" {
					col = i
				}
			}
			if col < 0 || len(recs) != len(tc.rows)+1 {
				t.Fatalf("csv = %q", recs)
			}
			for i, want := range tc.rows {
				if got := [2]string{recs[i+1][0], recs[i+1][col]}; got != want {
					t.Errorf("row %d = %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func TestUptimeBadRequests(t *testing.T) {
	srv := uptimeServer(t, &Uptime{})
	for _, tc := range []struct {
		name, query string
		code        int
		param       string
	}{
		{"unknown group", "group=city", 400, "group:"},
		{"unknown window", "window=1y", 400, "window:"},
		{"window and from", "window=7d&from=2025-05-01", 400, "window:"},
		{"from not a time", "from=yesterday", 400, "from:"},
		{"to not a time", "to=2025-13-01", 400, "to:"},
		{"from after to", "from=2025-06-01&to=2025-05-01", 400, "from:"},
		{"window too long", "from=2020-01-01&to=2025-01-01", 400, "from:"},
		{"unknown zone", "tz=Mars/Olympus", 400, "tz:"},
		{"unknown format", "format=xml", 400, "format:"},
		{"unknown rows", "rows=all", 400, "rows:"},
		{"bad camera id", "camera=a:b", 400, "camera:"},
		{"unknown camera", "camera=cam-z", 404, "cam-z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := fetch(t, srv, "/api/v1/uptime?"+tc.query)
			var e errorBody
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if code != tc.code || !strings.Contains(e.Error, tc.param) {
				t.Errorf("status %d error %q, want %d naming %q", code, e.Error, tc.code, tc.param)
			}
		})
	}
}

func TestUptimeDisabled(t *testing.T) {
	srv := uptimeServer(t, nil)
	if code, _, body := fetch(t, srv, "/api/v1/uptime"); code != http.StatusNotFound || !strings.Contains(body, "not enabled") {
		t.Errorf("status %d: %s", code, body)
	}
}

func TestUptimeDates(t *testing.T) {
	srv := uptimeServer(t, &Uptime{})
	// Dates are local midnights in tz: 2025-05-31 in Ho Chi Minh City is
	// 2025-05-30 17:00 UTC.
	code, _, body := fetch(t, srv, "/api/v1/uptime?from=2025-05-31&to=2025-06-01&tz=Asia/Ho_Chi_Minh&group=all")
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	var s uptime.Summary
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 5, 30, 17, 0, 0, 0, time.UTC); !s.From.Equal(want) || len(s.All.Daily) != 1 || s.All.Daily[0].Date != "2025-05-31" {
		t.Errorf("from %v days %+v", s.From, s.All.Daily)
	}
}

// TestUptimeFuture: the named bad-input cases of windows against now. A
// window ending in the future is measured to now and says so (to as asked,
// measured_to); one starting after now is refused, naming from; one
// starting before the first event counts from it. The same holds for the
// CSV and the scorecard.
func TestUptimeFuture(t *testing.T) {
	srv := uptimeServer(t, &Uptime{})
	future := now.Add(25 * time.Second).Format(time.RFC3339)
	t.Run("to in the future", func(t *testing.T) {
		code, _, body := fetch(t, srv, "/api/v1/uptime?group=all&camera=cam-b&from="+now.Add(-time.Hour).Format(time.RFC3339)+"&to="+future)
		var s uptime.Summary
		if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
			t.Fatalf("status %d %v: %s", code, err, body)
		}
		if s.To.Format(time.RFC3339) != future || !s.MeasuredTo.Equal(now) {
			t.Errorf("to %s measured_to %s, want %s and now", s.To, s.MeasuredTo, future)
		}
		if s.All.MonitoredS != 3600 || s.All.OnlineS != 3600 {
			t.Errorf("monitored %v online %v, want 3600 each (not 3625)", s.All.MonitoredS, s.All.OnlineS)
		}
		var day float64
		for _, d := range s.All.Daily {
			day += d.MonitoredS
			if d.To.After(now) {
				t.Errorf("day %s runs to %s, after now", d.Date, d.To)
			}
		}
		if day != 3600 {
			t.Errorf("daily series monitors %v s", day)
		}
	})
	t.Run("month to come, csv", func(t *testing.T) {
		code, _, body := fetch(t, srv, "/api/v1/uptime.csv?group=all&from=2025-06-01&to=2025-07-01&tz=UTC")
		if code != 200 {
			t.Fatalf("status %d: %s", code, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("csv %q %v", recs, err)
		}
		row := map[string]string{} // the last row sums everything
		for i, k := range recs[0] {
			row[k] = recs[len(recs)-1][i]
		}
		// Three cameras from midnight to noon: 36 h.
		if row["monitored_s"] != "129600" || row["to"] != "2025-07-01T00:00:00Z" || row["measured_to"] != now.UTC().Format(time.RFC3339Nano) {
			t.Errorf("csv row %v", row)
		}
	})
	t.Run("from before the first event", func(t *testing.T) {
		// Transitions start 48 h ago; ask from 5 days ago.
		code, _, body := fetch(t, srv, "/api/v1/uptime?group=all&camera=cam-b&from="+now.Add(-120*time.Hour).Format(time.RFC3339))
		var s uptime.Summary
		if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
			t.Fatalf("status %d %v: %s", code, err, body)
		}
		if s.All.MonitoredS != 48*3600 || s.All.UptimePercent != 100 {
			t.Errorf("monitored %v s at %v %%, want 48 h at 100 %%", s.All.MonitoredS, s.All.UptimePercent)
		}
	})
	for _, path := range []string{"/api/v1/uptime?", "/api/v1/uptime.csv?", "/api/v1/uptime/scorecard?program=p1&"} {
		t.Run("from after now "+path, func(t *testing.T) {
			code, _, body := fetch(t, srv, path+"from="+now.Add(time.Hour).Format(time.RFC3339)+"&to="+now.Add(2*time.Hour).Format(time.RFC3339))
			if code != 400 || !strings.Contains(body, "from:") || !strings.Contains(body, "nothing has been measured") {
				t.Errorf("status %d: %s", code, body)
			}
		})
	}
	t.Run("scorecard to in the future", func(t *testing.T) {
		code, _, body := fetch(t, srv, "/api/v1/uptime/scorecard?program=p2&from="+now.Add(-2*time.Hour).Format(time.RFC3339)+"&to="+now.Add(time.Hour).Format(time.RFC3339))
		var sc uptime.Scorecard
		if err := json.Unmarshal([]byte(body), &sc); code != 200 || err != nil {
			t.Fatalf("status %d %v: %s", code, err, body)
		}
		// cam-c: online an hour, offline the last hour; the hour to come
		// is in no figure.
		if !sc.MeasuredTo.Equal(now) || !sc.To.Equal(now.Add(time.Hour)) || sc.MonitoredS != 7200 || sc.OfflineS != 3600 {
			t.Errorf("scorecard to %s measured_to %s monitored %v offline %v", sc.To, sc.MeasuredTo, sc.MonitoredS, sc.OfflineS)
		}
	})
}

// TestUptimeOutageList: a one-camera report with camera rows lists the
// camera's outages, which is what a technician (and the accuracy test)
// checks against what really happened.
func TestUptimeOutageList(t *testing.T) {
	srv := uptimeServer(t, &Uptime{})
	code, _, body := fetch(t, srv, "/api/v1/uptime?camera=cam-a&rows=cameras&group=camera&window=24h")
	var s uptime.Summary
	if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
		t.Fatalf("status %d %v: %s", code, err, body)
	}
	if len(s.Cameras) != 1 || len(s.Cameras[0].OutageList) != 1 {
		t.Fatalf("cameras %+v", s.Cameras)
	}
	o := s.Cameras[0].OutageList[0]
	if !o.From.Equal(now.Add(-10*time.Hour)) || !o.To.Equal(now.Add(-8*time.Hour)) || o.Reason != "timeout" || o.DownS != 7200 || !o.Resolved {
		t.Errorf("outage %+v", o)
	}
	if _, _, all := fetch(t, srv, "/api/v1/uptime?rows=cameras&window=24h"); strings.Contains(all, "outage_list") {
		t.Error("a report of every camera lists outages")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/api"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// TestReportUptime loads a small city with `report generate`, serves it
// through the real API and reads it back in every format.
func TestReportUptime(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var out bytes.Buffer
	if err := runReport([]string{"generate", "-redis", testenv.RedisURL(), "-prefix", prefix, "-cameras", "40", "-programs", "4", "-days", "10"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "generated 40 cameras") {
		t.Errorf("generate said %q", out.String())
	}
	srv := httptest.NewServer(api.New(api.Options{Auth: viewerAuth(t), Uptime: &api.Uptime{
		Source:  uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{}),
		Targets: map[string]float64{"program-00": 100}, DefaultTarget: 1,
	}}))
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		args  []string
		check func(string) error
	}{
		{"table", []string{"-group", "program", "-window", "7d"}, func(s string) error {
			if !strings.Contains(s, "uptime by program") || strings.Count(s, "program-0") != 4 || strings.Count(s, "MISSED") != 2 /* header and program-00 */ {
				return fmt.Errorf("table:\n%s", s)
			}
			return nil
		}},
		{"csv", []string{"--group=ward", "--window=7d", "--format=csv"}, func(s string) error {
			if !strings.HasPrefix(s, "ward,cameras,target,missed,uptime_percent") || strings.Count(s, "\n") != 26 { // header, 24 wards, all
				return fmt.Errorf("csv:\n%s", s)
			}
			return nil
		}},
		{"table of a window reaching into the future", []string{"-group", "all", "-window", "24h", "-to", time.Now().Add(time.Hour).Format(time.RFC3339)}, func(s string) error {
			if !strings.Contains(s, ", measured to ") {
				return fmt.Errorf("table does not say where it stopped:\n%s", s)
			}
			return nil
		}},
		{"csv rows carry the window", []string{"--group=all", "--window=24h", "--format=csv"}, func(s string) error {
			if !strings.Contains(strings.SplitN(s, "\n", 2)[0], ",from,to,measured_to") {
				return fmt.Errorf("csv header:\n%s", s)
			}
			return nil
		}},
		{"json with camera rows", []string{"-format", "json", "-rows", "cameras", "-from", time.Now().Add(-48 * time.Hour).Format(time.RFC3339)}, func(s string) error {
			var sum uptime.Summary
			if err := json.Unmarshal([]byte(s), &sum); err != nil {
				return err
			}
			if len(sum.Cameras) != 40 || sum.All.Cameras != 40 {
				return fmt.Errorf("cameras %d, all %d", len(sum.Cameras), sum.All.Cameras)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runReport(append([]string{"uptime", "-server", srv.URL}, tc.args...), &out); err != nil {
				t.Fatal(err)
			}
			if err := tc.check(out.String()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReportErrors(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Options{Auth: viewerAuth(t), Uptime: &api.Uptime{Source: uptime.NewSource(nil, uptime.SourceOptions{})}}))
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		msg   string
	}{
		{"no report", nil, true, "report uptime|scorecard|review|generate"},
		{"unknown report", []string{"sla"}, true, "unknown report"},
		{"bad group", []string{"uptime", "-group", "city"}, true, "-group"},
		{"bad format", []string{"uptime", "-format", "xml"}, true, "-format"},
		{"server refuses a parameter", []string{"uptime", "-server", srv.URL, "-window", "1y"}, false, "window:"},
		{"no server", []string{"uptime", "-server", "http://127.0.0.1:1"}, false, "ask the aggregator"},
		{"from after now", []string{"uptime", "-server", srv.URL, "-from", time.Now().Add(time.Hour).Format(time.RFC3339), "-to", time.Now().Add(2 * time.Hour).Format(time.RFC3339)}, false, "nothing has been measured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runReport(tc.args, &bytes.Buffer{})
			if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want usage %v naming %q", err, tc.usage, tc.msg)
			}
		})
	}
}

func TestDur(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want string
	}{{0, "0"}, {42, "42s"}, {90, "2m"}, {3600 + 23*60, "1h23m"}, {4*86400 + 2*3600, "4d2h"}} {
		if got := dur(tc.s); got != tc.want {
			t.Errorf("dur(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// TestReportScorecard reads one program's scorecard in every format from
// the real API over a generated city, with alerts off.
func TestReportScorecard(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var out bytes.Buffer
	if err := runReport([]string{"generate", "-redis", testenv.RedisURL(), "-prefix", prefix, "-cameras", "20", "-programs", "2", "-days", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Auth: viewerAuth(t), Uptime: &api.Uptime{
		Source: uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{}), DefaultTarget: 90}}))
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		args  []string
		check func(string) error
	}{
		{"table", []string{"-program", "program-00", "-window", "24h"}, func(s string) error {
			if !strings.Contains(s, "scorecard of program-00") || !strings.Contains(s, "mttr") || !strings.Contains(s, "alerts") || !strings.Contains(s, "off") {
				return fmt.Errorf("table:\n%s", s)
			}
			return nil
		}},
		{"csv", []string{"--program=program-01", "--window=7d", "--format=csv"}, func(s string) error {
			if !strings.HasPrefix(s, "figure,value\nfrom,") || !strings.Contains(s, "\nmeasured_to,") || !strings.Contains(s, "\ncameras,10\n") || !strings.Contains(s, "\nalerts,off\n") {
				return fmt.Errorf("csv:\n%s", s)
			}
			return nil
		}},
		{"json", []string{"-program", "program-00", "-format", "json"}, func(s string) error {
			var sc uptime.Scorecard
			if err := json.Unmarshal([]byte(s), &sc); err != nil {
				return err
			}
			if sc.Program != "program-00" || sc.Cameras != 10 || sc.AlertsEnabled || sc.Alerts != nil || sc.Target != 90 {
				return fmt.Errorf("scorecard %+v", sc)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runReport(append([]string{"scorecard", "-server", srv.URL}, tc.args...), &out); err != nil {
				t.Fatal(err)
			}
			if err := tc.check(out.String()); err != nil {
				t.Error(err)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no program", []string{"-window", "24h"}, true, "-program"},
		{"bad format", []string{"-program", "p", "-format", "xml"}, true, "-format"},
		{"unknown program", []string{"-program", "nope"}, false, "program:"},
		{"bad window", []string{"-program", "program-00", "-window", "2d"}, false, "window:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runReport(append([]string{"scorecard", "-server", srv.URL}, tc.args...), &bytes.Buffer{})
			if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want usage %v naming %q", err, tc.usage, tc.want)
			}
		})
	}
}

// stubAuth takes one bearer token as a viewer of everything, and sets
// CAMWATCH_TOKEN to it for the test, as an operator of the report would.
type stubAuth struct{ token string }

func viewerAuth(t testing.TB) stubAuth {
	t.Setenv(TokenEnv, "report-test-token")
	return stubAuth{token: "report-test-token"}
}

func (s stubAuth) TokenActor(tok string) (*auth.Actor, error) {
	if tok != s.token {
		return nil, auth.ErrUnauthenticated
	}
	return &auth.Actor{Kind: auth.KindToken, Name: "report", Role: auth.Viewer, Scope: auth.Scope{All: true}}, nil
}
func (stubAuth) SessionActor(context.Context, string) (*auth.Actor, error) {
	return nil, auth.ErrUnauthenticated
}
func (stubAuth) Authenticate(context.Context, string, string, string) (*auth.User, error) {
	return nil, auth.ErrUnauthenticated
}
func (stubAuth) StartSession(context.Context, *auth.User, string) (string, *auth.Actor, error) {
	return "", nil, auth.ErrUnavailable
}
func (stubAuth) Logout(context.Context, *auth.Actor) error { return nil }
func (stubAuth) ChangePassword(context.Context, *auth.Actor, string, string, string) (string, *auth.Actor, error) {
	return "", nil, auth.ErrUnavailable
}
func (stubAuth) Refused(string) {}

// TestReportReview writes the printable program review of a generated
// city's ward from the real API: one page per program of the ward, in
// the language asked; usage errors name what is missing.
func TestReportReview(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	var out bytes.Buffer
	if err := runReport([]string{"generate", "-redis", testenv.RedisURL(), "-prefix", prefix, "-cameras", "48", "-programs", "2", "-days", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Auth: viewerAuth(t), Uptime: &api.Uptime{
		Source: uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{}), DefaultTarget: 99}}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "review.html")
	out.Reset()
	if err := runReport([]string{"review", "-server", srv.URL, "-ward", "ward-01", "-month", time.Now().Format("2006-01"), "-lang", "en", "-o", file}, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if !strings.HasPrefix(html, "<!doctype html>") || !strings.Contains(html, `<html lang="en">`) || strings.Count(html, `<section class="program"`) != 1 ||
		!strings.Contains(html, `data-program="program-00"`) || !strings.Contains(html, "Motion activity by hour of day") || !strings.Contains(html, "@page { size: A4") {
		t.Errorf("review.html:\n%.2000s", html)
	}
	if !strings.Contains(out.String(), "wrote "+file) {
		t.Errorf("output %q", out.String())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-month", "2026-11"}, "-ward is required"},
		{[]string{"-ward", "w"}, "give -month YYYY-MM or -quarter YYYY-Qn"},
		{[]string{"-ward", "w", "-month", "2026-11", "-quarter", "2026-Q4"}, "give -month YYYY-MM or -quarter YYYY-Qn"},
		{[]string{"-ward", "w", "-month", "2026-11", "-lang", "fr"}, "-lang \"fr\""},
		{[]string{"-server", srv.URL, "-ward", "w", "-month", "2026-13"}, "period: 2026-13 is not YYYY-MM or YYYY-Qn"},
		{[]string{"-server", srv.URL, "-ward", "nobody", "-quarter", "2026-Q4"}, ""},
	} {
		err := runReport(append([]string{"review"}, tc.args...), io.Discard)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v: %v, want a review (of no cameras)", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// BenchmarkReviewThroughAPI500: GET /api/v1/review for a ward of 500
// generated cameras over the last full quarter (and the one before, for
// the trend), read from real Redis: what `camwatch report review` waits
// for. The history is generated once (about half a minute).
//
//	go test ./cmd/camwatch -run '^$' -bench ReviewThroughAPI500 -benchtime 5x
func BenchmarkReviewThroughAPI500(b *testing.B) {
	rdb, prefix := testenv.Redis(b)
	var out bytes.Buffer
	if err := runReport([]string{"generate", "-redis", testenv.RedisURL(), "-prefix", prefix, "-cameras", "500", "-programs", "1", "-days", "190"}, &out); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Auth: viewerAuth(b), Uptime: &api.Uptime{
		Source: uptime.NewSource(camstate.New(rdb, camstate.Options{Prefix: prefix}), uptime.SourceOptions{}), DefaultTarget: 99}}))
	defer srv.Close()
	now := time.Now()
	q := (int(now.Month())-1)/3 + 1 - 1
	y := now.Year()
	if q == 0 {
		q, y = 4, y-1
	}
	period := fmt.Sprintf("%d-Q%d", y, q)
	args := []string{"review", "-server", srv.URL, "-ward", "ward-01", "-quarter", period}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	from := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, loc)
	// The peer: the plain uptime report of the same quarter, as JSON with
	// camera rows (one window where the review reads two).
	peer := []string{"uptime", "-server", srv.URL, "-from", from.Format(time.RFC3339), "-to", from.AddDate(0, 3, 0).Format(time.RFC3339), "-rows", "cameras", "-format", "json"}
	b.Run("review", func(b *testing.B) {
		for b.Loop() {
			var page bytes.Buffer
			if err := runReport(args, &page); err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(page.String(), `<section class="program"`) {
				b.Fatal("no program page")
			}
		}
	})
	b.Run("uptime-report-peer", func(b *testing.B) {
		for b.Loop() {
			if err := runReport(peer, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestReportTableSaysGenerated: a terminal report over generated history
// (the demo's month) says so above its figures, as the console and the
// printed review do; one over measured history does not.
func TestReportTableSaysGenerated(t *testing.T) {
	for _, generated := range []bool{true, false} {
		var out bytes.Buffer
		if err := writeTable(&out, &uptime.Summary{GroupBy: "program", TimeZone: "Asia/Ho_Chi_Minh", Generated: generated}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "GENERATED"); got != generated {
			t.Errorf("generated %v: the table says GENERATED %v:\n%s", generated, got, out.String())
		}
	}
}

// TestReportScorecardSaysGenerated: the scorecard's table and CSV say
// when the aggregator answered "generated" (the demo's month).
func TestReportScorecardSaysGenerated(t *testing.T) {
	body := `{"program":"p1","from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z","measured_to":"2026-12-01T00:00:00Z",` +
		`"time_zone":"Asia/Ho_Chi_Minh","key":"p1","cameras":2,"alerts_enabled":false,"generated":true}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	for _, format := range []string{"table", "csv"} {
		var out bytes.Buffer
		if err := runReport([]string{"scorecard", "-server", srv.URL, "-program", "p1", "-window", "30d", "-format", format}, &out); err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"table": "GENERATED", "csv": "generated,true"}[format]; !strings.Contains(out.String(), want) {
			t.Errorf("%s lacks %q:\n%s", format, want, out.String())
		}
	}
}

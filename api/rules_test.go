package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/auth"
)

// TestRulesInForceAndArming: GET /api/v1/rules shows the rules the
// aggregator evaluates (after a reload, the new ones) with the file they
// came from and their schedules, only those matching the caller's scope,
// and which programs are disarmed, right after an arm or disarm.
func TestRulesInForceAndArming(t *testing.T) {
	w := newWorld(t)
	const rules = `timezone: Asia/Ho_Chi_Minh
rules:
  - id: cam-offline
    trigger: {type: offline, for: 1s}
    receivers: [ops]
  - id: night-motion-pa
    description: motion at night in program A
    trigger: {type: motion, min_duration: 2s}
    match: {programs: [pa]}
    schedule: {days: [mon-fri], windows: ["22:00-05:00"]}
    severity: critical
    receivers: [ops]
  - id: motion-pb
    trigger: {type: motion}
    match: {programs: [pb]}
    receivers: [ops]
`
	if err := os.WriteFile(w.e.rules, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.e.r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	read := func(role auth.Role) (int, rulesAnswer) {
		t.Helper()
		code, body := w.do(w.tokens[role], mreq{"GET", "/api/v1/rules", ""})
		var a rulesAnswer
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				t.Fatalf("%s: %v in %s", role, err, body)
			}
		}
		return code, a
	}
	ids := func(a rulesAnswer) string {
		var out []string
		for _, r := range a.Rules {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	code, a := read(auth.Admin)
	if code != http.StatusOK || a.File != w.e.rules || a.TimeZone != "Asia/Ho_Chi_Minh" || ids(a) != "cam-offline,night-motion-pa,motion-pb" {
		t.Fatalf("admin: %d %+v", code, a)
	}
	night := a.Rules[1]
	if night.Trigger.Type != "motion" || night.Trigger.MinDurationS != 2 || night.Severity != "critical" ||
		!slices.Equal(night.Schedule.Windows, []string{"22:00-05:00"}) || !slices.Equal(night.Schedule.Days, []string{"mon-fri"}) ||
		!slices.Equal(night.Match.Programs, []string{"pa"}) || night.Description != "motion at night in program A" {
		t.Errorf("the night rule as shown: %+v", night)
	}
	if len(a.Disarmed) != 0 {
		t.Errorf("disarmed before any disarm: %v", a.Disarmed)
	}
	for _, p := range []string{"pa", "pb"} {
		if code, body := w.do(w.tokens[auth.Admin], mreq{"POST", "/api/v1/programs/" + p + "/disarm", ""}); code != http.StatusOK && code != http.StatusNoContent {
			t.Fatalf("disarm %s: %d %s", p, code, body)
		}
	}
	if _, a := read(auth.Admin); !slices.Equal(a.Disarmed, []string{"pa", "pb"}) {
		t.Errorf("admin after disarming both: %v", a.Disarmed)
	}
	if code, a := read(auth.Operator); code != http.StatusOK || ids(a) != "cam-offline,night-motion-pa" || !slices.Equal(a.Disarmed, []string{"pa"}) {
		t.Errorf("operator of pa: %d rules %s disarmed %v, want pb's rule and state hidden", code, ids(a), a.Disarmed)
	}
	if code, body := w.do(w.tokens[auth.Admin], mreq{"POST", "/api/v1/programs/pa/arm", ""}); code/100 != 2 {
		t.Fatalf("arm pa: %d %s", code, body)
	}
	if _, a := read(auth.Admin); !slices.Equal(a.Disarmed, []string{"pb"}) {
		t.Errorf("admin after arming pa: %v", a.Disarmed)
	}
	if code, _ := read(auth.Viewer); code != http.StatusForbidden {
		t.Errorf("viewer: %d, want 403", code)
	}
}

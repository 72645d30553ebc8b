package alerts

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/configs"
)

func TestShippedRulesParse(t *testing.T) {
	data, err := configs.Examples.ReadFile("alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(data)
	if err != nil {
		t.Fatalf("configs/alerts.yaml does not parse: %v", err)
	}
	gate, ok := r.Rule("hem42-gate-night-motion")
	if !ok {
		t.Fatal("the boarding-house gate rule is missing")
	}
	if gate.Trigger.Type != TriggerMotion || gate.Trigger.Group != time.Minute {
		t.Errorf("gate trigger = %+v", gate.Trigger)
	}
	if r.Location().String() != "Asia/Ho_Chi_Minh" {
		t.Errorf("zone = %s", r.Location())
	}
	programs := map[string]bool{}
	for _, rule := range r.Rules {
		for _, p := range rule.Match.Programs {
			programs[p] = true
		}
	}
	for _, p := range []string{"ben-nghe-street-cameras", "boarding-house-hem-42", "5plus1-to-dan-pho-7"} {
		if !programs[p] {
			t.Errorf("no rule for program %s", p)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	r, err := Parse([]byte("rules:\n  - id: m\n    trigger: {type: motion}\n  - id: a\n    trigger: {type: agent_lost}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r.TimeZone != DefaultTimeZone {
		t.Errorf("timezone = %q", r.TimeZone)
	}
	if got := r.Rules[0]; got.Severity != SeverityWarning || got.Trigger.Group != DefaultMotionGroup {
		t.Errorf("motion defaults: %+v", got)
	}
	if got := r.Rules[1].Trigger.For; got != DefaultAgentLost {
		t.Errorf("agent_lost for = %s", got)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	rule := func(body string) string {
		return "rules:\n  - id: ok\n    trigger: {type: offline}\n  - id: r1\n" + body
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty file", "", "the file is empty"},
		{"unknown key", "rulez: []\n", "field rulez not found"},
		{"bad zone", "timezone: Mars/Olympus\nrules: []\n", `timezone: "Mars/Olympus" is not a known time zone`},
		{"bad id", "rules:\n  - id: 'a b'\n    trigger: {type: offline}\n", `rules[0].id: "a b" must be`},
		{"duplicate id", "rules:\n  - id: a\n    trigger: {type: offline}\n  - id: a\n    trigger: {type: black}\n", `rules[1].id: "a" is already the id of rules[0]`},
		{"unknown trigger", rule("    trigger: {type: fire}\n"), `rules[1].trigger.type: "fire" is not a trigger`},
		{"zones on offline", rule("    trigger: {type: offline, zones: [gate]}\n"), "rules[1].trigger.zones: is not used by a offline trigger"},
		{"for on motion", rule("    trigger: {type: motion, for: 1m}\n"), "rules[1].trigger.for: is not used by a motion trigger"},
		{"negative for", rule("    trigger: {type: offline, for: -1m}\n"), "rules[1].trigger.for: must not be negative"},
		{"low fps without threshold", rule("    trigger: {type: low_fps}\n"), "rules[1].trigger.below: must be a positive threshold"},
		{"flapping one change", rule("    trigger: {type: flapping, changes: 1, within: 1m}\n"), "rules[1].trigger.changes: must be at least 2"},
		{"flapping no window", rule("    trigger: {type: flapping, changes: 3}\n"), "rules[1].trigger.within: must be a positive duration"},
		{"bad weekday range", rule("    trigger: {type: offline}\n    schedule: {days: [mon, mon-fry]}\n"), `rules[1].schedule.days[1]: "mon-fry" is not a weekday range`},
		{"bad window", rule("    trigger: {type: offline}\n    schedule: {windows: ['22:00-25:00']}\n"), `rules[1].schedule.windows[0]: "22:00-25:00" is not a window`},
		{"empty window", rule("    trigger: {type: offline}\n    schedule: {windows: ['08:00-08:00']}\n"), `rules[1].schedule.windows[0]`},
		{"bad severity", rule("    trigger: {type: offline}\n    severity: panic\n"), `rules[1].severity: "panic" must be info, warning or critical`},
		{"bad receiver", rule("    trigger: {type: offline}\n    receivers: [ok, 'no way']\n"), `rules[1].receivers[1]: "no way" is not a valid receiver name`},
		{"escalation without delay", rule("    trigger: {type: offline}\n    escalation: {receiver: boss}\n"), "rules[1].escalation.after: must be positive"},
		{"empty program", rule("    trigger: {type: offline}\n    match: {programs: ['']}\n"), "rules[1].match.programs[0]: must not be empty"},
		{"negative cooldown", rule("    trigger: {type: offline}\n    cooldown: -5m\n"), "rules[1].cooldown: must not be negative"},
		{"second document", "rules: []\n---\nrules: []\n", "only one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("parsed; want an error containing %q", tc.want)
			}
			if !errors.Is(err, configs.ErrInvalid) {
				t.Errorf("error %v does not wrap configs.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

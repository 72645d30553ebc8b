package camstate

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestArgsMatchScript holds the Go builders to the argument order the
// script declares (its CALL and EVENT lists), and each builder's output
// to its own name list: a field added on one side only fails here.
func TestArgsMatchScript(t *testing.T) {
	list := func(name string) []string {
		m := regexp.MustCompile(`(?m)^local ` + name + ` = \{([^}]*)\}`).FindStringSubmatch(applySource)
		if m == nil {
			t.Fatalf("apply.lua declares no %s list", name)
		}
		var out []string
		for _, f := range strings.Split(m[1], ",") {
			out = append(out, strings.Trim(strings.TrimSpace(f), "'"))
		}
		return out
	}
	if got := list("CALL"); !slices.Equal(got, callArgNames) {
		t.Errorf("script CALL %v, Go %v", got, callArgNames)
	}
	if got := list("EVENT"); !slices.Equal(got, eventArgNames) {
		t.Errorf("script EVENT %v, Go %v", got, eventArgNames)
	}
	c := callArgs{scope: "scope", now: 1, eventsCutoff: 2, transCutoff: 3, trimPeriod: 4, agentTimeout: 5,
		ratio: "ratio", floor: "floor", maxJump: 8, unbounded: "unbounded", epochs: "epochs"}
	want := map[string]any{"scope": "scope", "now": int64(1), "events_cutoff": int64(2), "trans_cutoff": int64(3),
		"trim_period": int64(4), "agent_timeout": int64(5), "ratio": "ratio", "floor": "floor", "max_jump": int64(8),
		"unbounded": "unbounded", "epochs": "epochs"}
	got := c.append(nil)
	if len(got) != len(callArgNames) {
		t.Fatalf("call args: %d values for %d names", len(got), len(callArgNames))
	}
	for i, n := range callArgNames {
		if got[i] != want[n] {
			t.Errorf("call arg %d (%s) = %v, want %v", i, n, got[i], want[n])
		}
	}
	e := eventArgs{id: "id", time: 2, seq: 3, json: "json", kind: "kind", trans: "trans", derive: "derive", alt: "alt",
		epoch: "epoch", old: "old", fps: "fps", kbps: "kbps", fields: []any{"f", "v"}}
	ewant := map[string]any{"id": "id", "time": int64(2), "seq": uint64(3), "json": "json", "kind": "kind", "trans": "trans",
		"derive": "derive", "alt": "alt", "epoch": "epoch", "old": "old", "fps": "fps", "kbps": "kbps", "nfields": 2}
	got = e.append(nil)
	if len(got) != len(eventArgNames)+2 {
		t.Fatalf("event args: %d values for %d names and 2 fields", len(got), len(eventArgNames))
	}
	for i, n := range eventArgNames {
		if got[i] != ewant[n] {
			t.Errorf("event arg %d (%s) = %v, want %v", i, n, got[i], ewant[n])
		}
	}
}

package alerts

import (
	"errors"
	"strings"
	"testing"

	"github.com/camwatch/camwatch/configs"
)

func TestSetLoadKeepsOldRulesOnBadFile(t *testing.T) {
	s := NewSet(nil)
	if n := len(s.Rules().Rules); n != 0 {
		t.Fatalf("new set has %d rules", n)
	}
	if err := s.Load("testdata/good.yaml"); err != nil {
		t.Fatal(err)
	}
	good := s.Rules()
	if len(good.Rules) != 2 {
		t.Fatalf("loaded %d rules, want 2", len(good.Rules))
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"invalid file", "testdata/bad.yaml", `rules[0].schedule.days[0]: "mon-fry" is not a weekday range`},
		{"missing file", "testdata/missing.yaml", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Load(tc.path)
			if err == nil {
				t.Fatal("bad file loaded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "keeping the 2 rules in force") {
				t.Errorf("error %q does not say why and what stays", err)
			}
			if s.Rules() != good {
				t.Error("rules in force changed")
			}
		})
	}
	if err := s.Load("testdata/bad.yaml"); !errors.Is(err, configs.ErrInvalid) {
		t.Errorf("error %v does not wrap configs.ErrInvalid", err)
	}
}

package configs

import (
	"errors"
	"strings"
	"testing"
)

// alerts.receivers needs alerts.rules: delivery without rules would never
// send anything, which is a mistake worth a clear error.
func TestAggregatorReceiversNeedRules(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string
	}{
		{"rules and receivers", "alerts: {rules: a.yaml, receivers: r.yaml}\n", ""},
		{"rules only", "alerts: {rules: a.yaml}\n", ""},
		{"receivers only", "alerts: {receivers: r.yaml}\n", "alerts.receivers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Aggregator
			err := Parse([]byte(tc.yaml), &c)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("parse: %v, want an error naming %s", err, tc.wantErr)
			}
		})
	}
}

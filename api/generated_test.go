package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// generatedUntil is a fixed answer of the generated-history marker.
type generatedUntil struct {
	at  time.Time
	err error
}

func (g generatedUntil) GeneratedUntil(context.Context) (time.Time, error) { return g.at, g.err }

// TestUptimeSaysWhenHistoryIsGenerated: a report whose window starts
// before the newest generated history says "generated"; one after it does
// not; when the marker cannot be read the report says generated rather
// than pass made-up figures as measured.
func TestUptimeSaysWhenHistoryIsGenerated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		g      generatedUntil
		window string
		want   bool
	}{
		{"window covers the generated month", generatedUntil{at: now.Add(-2 * time.Hour)}, "24h", true},
		{"window after it", generatedUntil{at: now.Add(-48 * time.Hour)}, "24h", false},
		{"nothing generated", generatedUntil{}, "7d", false},
		{"the marker cannot be read", generatedUntil{err: errors.New("redis down")}, "24h", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := uptimeServer(t, &Uptime{Generated: tc.g})
			code, _, body := fetch(t, srv, "/api/v1/uptime?group=program&window="+tc.window)
			if code != http.StatusOK {
				t.Fatalf("%d %s", code, body)
			}
			if got := strings.Contains(body, `"generated":true`); got != tc.want {
				t.Errorf("generated %v, want %v: %s", got, tc.want, trim(body))
			}
			// The program scorecard says it as the report does.
			code, _, body = fetch(t, srv, "/api/v1/uptime/scorecard?program=p1&window="+tc.window)
			if code != http.StatusOK {
				t.Fatalf("scorecard: %d %s", code, body)
			}
			if got := strings.Contains(body, `"generated":true`); got != tc.want {
				t.Errorf("scorecard: generated %v, want %v: %s", got, tc.want, trim(body))
			}
		})
	}
}

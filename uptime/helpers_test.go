package uptime

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// ict is Ho Chi Minh City's zone written out, so tests do not depend on the
// system's zone database.
var ict = time.FixedZone("ICT", 7*60*60)

// at returns 2024-05-01 h:m local time; hours beyond 0..23 roll into the
// neighbouring days (at(-1, 0) is 23:00 on 30 April).
func at(h, m int) time.Time { return time.Date(2024, 5, 1, h, m, 0, 0, ict) }

// day is the window 2024-05-01 00:00 to 2024-05-02 00:00 local.
var day = Span{at(0, 0), at(24, 0)}

func tr(t time.Time, seq uint64, s State, reason string) Transition {
	return Transition{Time: t, Seq: seq, State: s, Reason: reason}
}

const h = time.Hour

// checkFigures compares every exported figure, allowing float rounding in
// the percentage.
func checkFigures(t *testing.T, got, want Figures) {
	t.Helper()
	if got.Totals != want.Totals {
		t.Errorf("totals = %+v, want %+v", got.Totals, want.Totals)
	}
	if got.Rated != want.Rated || math.Abs(got.UptimePercent-want.UptimePercent) > 1e-9 {
		t.Errorf("uptime = %v%% (rated %v), want %v%% (rated %v)", got.UptimePercent, got.Rated, want.UptimePercent, want.Rated)
	}
	g := fmt.Sprint(got.Outages, got.Resolved, got.LongestOutage, got.MTTR, got.MTBF)
	w := fmt.Sprint(want.Outages, want.Resolved, want.LongestOutage, want.MTTR, want.MTBF)
	if g != w {
		t.Errorf("outages, resolved, longest, MTTR, MTBF = %s, want %s", g, w)
	}
}

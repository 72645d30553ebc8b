package uptime

import (
	"testing"
	"time"
)

func TestDailySeries(t *testing.T) {
	utc := func(d, h, m int) time.Time { return time.Date(2024, 5, d, h, m, 0, 0, time.UTC) }
	// One camera, online since long before, offline from 23:30 local on
	// 1 May (16:30 UTC) to 00:45 local on 2 May (17:45 UTC).
	cam := Camera{ID: "cam-1", Transitions: []Transition{
		tr(at(-48, 0), 1, Online, ""), tr(at(23, 30), 2, Offline, "timeout"), tr(at(24, 45), 3, Online, ""),
	}}
	type dayWant struct {
		date                    string
		from                    time.Time
		monitored, online, down time.Duration
	}
	cases := []struct {
		name string
		win  Span
		loc  *time.Location
		want []dayWant
	}{
		{
			name: "outage across local midnight is split between the days",
			// The window is two local days given in UTC: 30 Apr 17:00 UTC
			// is 1 May 00:00 local.
			win: Span{utc(1, 0, 0).Add(-7 * h), utc(2, 17, 0)}, loc: ict,
			want: []dayWant{
				// 1 May: offline 23:30-24:00 = 30 min, online 23 h 30 min.
				{"2024-05-01", utc(1, 0, 0).Add(-7 * h), 24 * h, 23*h + 30*time.Minute, 30 * time.Minute},
				// 2 May: offline 00:00-00:45 = 45 min, online 23 h 15 min.
				{"2024-05-02", utc(1, 17, 0), 24 * h, 23*h + 15*time.Minute, 45 * time.Minute},
			},
		},
		{
			name: "default zone is Ho Chi Minh City",
			win:  Span{at(0, 0), at(48, 0)}, loc: nil,
			want: []dayWant{
				{"2024-05-01", at(0, 0), 24 * h, 23*h + 30*time.Minute, 30 * time.Minute},
				{"2024-05-02", at(24, 0), 24 * h, 23*h + 15*time.Minute, 45 * time.Minute},
			},
		},
		{
			name: "partial first and last days",
			// 1 May 12:00 to 2 May 06:00 local: 12 h, then 6 h.
			win: Span{at(12, 0), at(30, 0)}, loc: ict,
			want: []dayWant{
				{"2024-05-01", at(12, 0), 12 * h, 11*h + 30*time.Minute, 30 * time.Minute},
				// 2 May 00:00-06:00: 45 min offline, 5 h 15 min online.
				{"2024-05-02", at(24, 0), 6 * h, 5*h + 15*time.Minute, 45 * time.Minute},
			},
		},
		{
			name: "in UTC the same outage falls on one day",
			// 16:30-17:45 UTC is inside 1 May UTC.
			win: Span{utc(1, 0, 0), utc(3, 0, 0)}, loc: time.UTC,
			want: []dayWant{
				{"2024-05-01", utc(1, 0, 0), 24 * h, 22*h + 45*time.Minute, 75 * time.Minute},
				{"2024-05-02", utc(2, 0, 0), 24 * h, 24 * h, 0},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(&History{Cameras: []Camera{cam}}, Options{Window: tc.win, Location: tc.loc})
			if err != nil {
				t.Fatal(err)
			}
			days := r.All.Daily
			if len(days) != len(tc.want) {
				t.Fatalf("%d days, want %d: %+v", len(days), len(tc.want), days)
			}
			for i, w := range tc.want {
				d := days[i]
				if d.Date != w.date || !d.From.Equal(w.from) || d.Monitored != w.monitored || d.Online != w.online || d.Offline != w.down {
					t.Errorf("day %d = %s from %s: monitored %v online %v offline %v; want %s from %s: %v %v %v",
						i, d.Date, d.From.UTC(), d.Monitored, d.Online, d.Offline, w.date, w.from.UTC(), w.monitored, w.online, w.down)
				}
			}
			// However the days fall, it is one outage of 1 h 15 min.
			if r.All.Outages != 1 || r.All.LongestOutage != 75*time.Minute {
				t.Errorf("outages %d longest %v, want 1, 1h15m", r.All.Outages, r.All.LongestOutage)
			}
		})
	}
}

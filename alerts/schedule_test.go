package alerts

import (
	"testing"
	"testing/synctest"
	"time"
)

func mustSchedule(t *testing.T, days, windows []string) *Schedule {
	t.Helper()
	s := &Schedule{Days: days, Windows: windows}
	if err := s.validate("schedule"); err != nil {
		t.Fatal(err)
	}
	return s
}

func hcm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestScheduleActive(t *testing.T) {
	loc := hcm(t)
	// 2026-03-06 is a Friday.
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, loc) }
	for _, tc := range []struct {
		name    string
		days    []string
		windows []string
		t       time.Time
		want    bool
	}{
		{"always", nil, nil, at(6, 3, 0), true},
		{"weekday range on friday", []string{"mon-fri"}, nil, at(6, 12, 0), true},
		{"weekday range on saturday", []string{"mon-fri"}, nil, at(7, 12, 0), false},
		{"wrapping range fri-mon on sunday", []string{"fri-mon"}, nil, at(8, 12, 0), true},
		{"wrapping range fri-mon on wednesday", []string{"fri-mon"}, nil, at(4, 12, 0), false},
		{"night window, evening part", nil, []string{"22:00-05:00"}, at(6, 22, 0), true},
		{"night window, before start", nil, []string{"22:00-05:00"}, at(6, 21, 59), false},
		{"night window, morning part", nil, []string{"22:00-05:00"}, at(7, 4, 59), true},
		{"night window, end is exclusive", nil, []string{"22:00-05:00"}, at(7, 5, 0), false},
		{"friday night reaches saturday morning", []string{"fri"}, []string{"22:00-05:00"}, at(7, 2, 0), true},
		{"friday night does not start on saturday", []string{"fri"}, []string{"22:00-05:00"}, at(7, 23, 0), false},
		{"thursday morning belongs to wednesday night", []string{"fri"}, []string{"22:00-05:00"}, at(6, 2, 0), false},
		{"day window", nil, []string{"07:00-21:00"}, at(6, 20, 59), true},
		{"until 24:00", nil, []string{"21:00-24:00"}, at(6, 23, 59), true},
		{"second window", nil, []string{"07:00-08:00", "12:00-13:00"}, at(6, 12, 30), true},
		{"read in the site zone, not UTC", nil, []string{"22:00-05:00"}, time.Date(2026, 3, 6, 15, 30, 0, 0, time.UTC), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSchedule(t, tc.days, tc.windows)
			if got := s.Active(tc.t, loc); got != tc.want {
				t.Errorf("Active(%s) = %v, want %v", tc.t.In(loc).Format("Mon 15:04"), got, tc.want)
			}
		})
	}
}

// TestScheduleAcrossMidnight walks a fake clock through a Friday night in
// Ho Chi Minh City and records when a fri 22:00-05:00 window is armed.
func TestScheduleAcrossMidnight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		loc := hcm(t)
		s := mustSchedule(t, []string{"fri"}, []string{"22:00-05:00"})
		// The bubble starts at 2000-01-01 00:00 UTC; go to Friday 2000-01-07 21:00 local.
		start := time.Date(2000, 1, 7, 21, 0, 0, 0, loc)
		time.Sleep(start.Sub(time.Now()))
		var changes []string
		last := false
		for range 10 * 60 { // ten hours, a minute at a time
			if a := s.Active(time.Now(), loc); a != last {
				changes = append(changes, time.Now().In(loc).Format("Mon 15:04"))
				last = a
			}
			time.Sleep(time.Minute)
		}
		want := []string{"Fri 22:00", "Sat 05:00"}
		if len(changes) != len(want) || changes[0] != want[0] || changes[1] != want[1] {
			t.Errorf("armed/disarmed at %v, want %v", changes, want)
		}
	})
}

package uptime

import "time"

// Totals is how a camera's (or a group's, or a day's) monitored time splits
// among the states.
type Totals struct {
	Monitored   time.Duration `json:"monitored"`
	Online      time.Duration `json:"online"`
	Degraded    time.Duration `json:"degraded"`
	Offline     time.Duration `json:"offline"`
	Unknown     time.Duration `json:"unknown"`
	Maintenance time.Duration `json:"maintenance"`
}

// Observed is the time that rates the camera: monitored, minus maintenance
// (planned) and unknown (nobody could see).
func (t Totals) Observed() time.Duration { return t.Monitored - t.Maintenance - t.Unknown }

// Uptime returns 100 × online / observed, and false when nothing was
// observed, so that "no data" is never shown as 0 % or 100 %.
func (t Totals) Uptime() (float64, bool) {
	obs := t.Observed()
	if obs <= 0 {
		return 0, false
	}
	return 100 * float64(t.Online) / float64(obs), true
}

func (t *Totals) add(st State, d time.Duration) {
	t.Monitored += d
	switch st {
	case Online:
		t.Online += d
	case Degraded:
		t.Degraded += d
	case Offline:
		t.Offline += d
	case Unknown:
		t.Unknown += d
	case Maintenance:
		t.Maintenance += d
	}
}

func (t *Totals) merge(o Totals) {
	t.Monitored += o.Monitored
	t.Online += o.Online
	t.Degraded += o.Degraded
	t.Offline += o.Offline
	t.Unknown += o.Unknown
	t.Maintenance += o.Maintenance
}

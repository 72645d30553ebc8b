package uptime

import "time"

// Figures are the availability figures of a camera or a group over the
// report window; the package doc gives every formula.
type Figures struct {
	Totals
	// UptimePercent is meaningful only when Rated.
	UptimePercent float64 `json:"uptime_percent"`
	// Rated is false when nothing was observed (never monitored, or only
	// unknown and maintenance time).
	Rated bool `json:"rated"`
	// Outages counts runs of offline time; Resolved those with a known end.
	Outages  int `json:"outages"`
	Resolved int `json:"resolved"`
	// LongestOutage is the most offline time in one outage.
	LongestOutage time.Duration `json:"longest_outage"`
	// MTTR is the mean offline time of resolved outages; zero when none.
	MTTR time.Duration `json:"mttr"`
	// MTBF is (online + degraded) / outages; zero when there was no outage.
	MTBF time.Duration `json:"mtbf"`

	repair time.Duration // offline time of resolved outages, for MTTR
}

// addOutages folds a camera's outages into the figures.
func (f *Figures) addOutages(os []Outage) {
	for _, o := range os {
		f.Outages++
		f.LongestOutage = max(f.LongestOutage, o.Down)
		if o.Resolved {
			f.Resolved++
			f.repair += o.Down
		}
	}
}

// merge adds another camera's or group's figures; finish must run after.
func (f *Figures) merge(o *Figures) {
	f.Totals.merge(o.Totals)
	f.Outages += o.Outages
	f.Resolved += o.Resolved
	f.repair += o.repair
	f.LongestOutage = max(f.LongestOutage, o.LongestOutage)
}

// finish computes the ratios from the sums.
func (f *Figures) finish() {
	f.UptimePercent, f.Rated = f.Totals.Uptime()
	f.MTTR, f.MTBF = 0, 0
	if f.Resolved > 0 {
		f.MTTR = f.repair / time.Duration(f.Resolved)
	}
	if f.Outages > 0 {
		f.MTBF = (f.Online + f.Degraded) / time.Duration(f.Outages)
	}
}

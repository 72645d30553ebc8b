package uptime

import (
	"time"

	"github.com/camwatch/camwatch/event"
)

// Summary is a report as the HTTP API serves it and the CLI reads it:
// durations in seconds (not Go's nanoseconds), so any client can use the
// numbers as they come. docs/uptime.md documents every field.
type Summary struct {
	// From and To are the window as asked for; MeasuredTo is where the
	// figures stop (To, or now when To is in the future).
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"`
	MeasuredTo time.Time       `json:"measured_to"`
	GroupBy    Group           `json:"group_by"`
	TimeZone   string          `json:"time_zone"`
	All        GroupSummary    `json:"all"`
	Groups     []GroupSummary  `json:"groups"`
	Cameras    []CameraSummary `json:"cameras,omitempty"`
	Missed     []string        `json:"missed"`
	Skipped    Skipped         `json:"skipped"`
	// Generated is set (by the API) when part of the window's history was
	// generated, not measured: the demo's seeded month.
	Generated bool `json:"generated,omitempty"`
}

// Seconds are Figures with every duration in seconds.
type Seconds struct {
	MonitoredS     float64 `json:"monitored_s"`
	OnlineS        float64 `json:"online_s"`
	DegradedS      float64 `json:"degraded_s"`
	OfflineS       float64 `json:"offline_s"`
	UnknownS       float64 `json:"unknown_s"`
	MaintenanceS   float64 `json:"maintenance_s"`
	UptimePercent  float64 `json:"uptime_percent"`
	Rated          bool    `json:"rated"`
	Outages        int     `json:"outages"`
	Resolved       int     `json:"resolved"`
	LongestOutageS float64 `json:"longest_outage_s"`
	MTTRS          float64 `json:"mttr_s"`
	MTBFS          float64 `json:"mtbf_s"`
}

// GroupSummary is one group's line of a Summary.
type GroupSummary struct {
	Key     string `json:"key"`
	Cameras int    `json:"cameras"`
	Seconds
	Target float64         `json:"target"`
	Missed bool            `json:"missed"`
	Worst  []RankedSummary `json:"worst"`
	Daily  []DaySummary    `json:"daily"`
}

// RankedSummary is one of a group's worst cameras.
type RankedSummary struct {
	Ref           event.CameraRef `json:"ref"`
	Site          string          `json:"site"`
	ID            string          `json:"id"`
	UptimePercent float64         `json:"uptime_percent"`
	OfflineS      float64         `json:"offline_s"`
}

// DaySummary is one local day of a group's series.
type DaySummary struct {
	Date          string    `json:"date"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	MonitoredS    float64   `json:"monitored_s"`
	OnlineS       float64   `json:"online_s"`
	DegradedS     float64   `json:"degraded_s"`
	OfflineS      float64   `json:"offline_s"`
	UnknownS      float64   `json:"unknown_s"`
	MaintenanceS  float64   `json:"maintenance_s"`
	UptimePercent float64   `json:"uptime_percent"`
	Rated         bool      `json:"rated"`
}

// CameraSummary is one camera's line, present when asked for.
type CameraSummary struct {
	Ref    event.CameraRef `json:"ref"`
	Site   string          `json:"site"`
	ID     string          `json:"id"`
	Agent  string          `json:"agent"`
	Labels event.Labels    `json:"labels"`
	Group  string          `json:"group"`
	Seconds
	// OutageList is filled only for a one-camera report (WithOutages): a
	// technician's list of what went wrong when.
	OutageList []OutageSummary `json:"outage_list,omitempty"`
}

// OutageSummary is one outage of a camera: from its first offline instant
// to its last within the window, the reason it began with, its offline
// time (bridged unknown or maintenance time excluded) and whether the
// camera was seen back.
type OutageSummary struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reason   string    `json:"reason"`
	DownS    float64   `json:"down_s"`
	Resolved bool      `json:"resolved"`
}

// WithOutages adds every camera's outage list to s, a Summary of r with
// camera rows; meant for one camera, not a city.
func (r *Report) WithOutages(s *Summary) {
	for i := range s.Cameras {
		for _, o := range r.Cameras[i].OutageList {
			s.Cameras[i].OutageList = append(s.Cameras[i].OutageList,
				OutageSummary{From: o.From, To: o.To, Reason: o.Reason, DownS: secs(o.Down), Resolved: o.Resolved})
		}
	}
}

func secs(d time.Duration) float64 { return d.Seconds() }

func secondsOf(f *Figures) Seconds {
	return Seconds{
		MonitoredS: secs(f.Monitored), OnlineS: secs(f.Online), DegradedS: secs(f.Degraded),
		OfflineS: secs(f.Offline), UnknownS: secs(f.Unknown), MaintenanceS: secs(f.Maintenance),
		UptimePercent: f.UptimePercent, Rated: f.Rated, Outages: f.Outages, Resolved: f.Resolved,
		LongestOutageS: secs(f.LongestOutage), MTTRS: secs(f.MTTR), MTBFS: secs(f.MTBF),
	}
}

// Summary converts the report; with cameras, every camera's line is
// included (10,000 of them in a city, so only on request).
func (r *Report) Summary(cameras bool) *Summary {
	s := &Summary{
		From: r.Window.From, To: r.Window.To, MeasuredTo: r.MeasuredTo, GroupBy: r.GroupBy, TimeZone: r.TimeZone,
		All: groupSummary(&r.All), Groups: make([]GroupSummary, len(r.Groups)),
		Missed: r.Missed, Skipped: r.Skipped,
	}
	if s.Missed == nil {
		s.Missed = []string{}
	}
	for i := range r.Groups {
		s.Groups[i] = groupSummary(&r.Groups[i])
	}
	if cameras {
		s.Cameras = make([]CameraSummary, len(r.Cameras))
		for i := range r.Cameras {
			c := &r.Cameras[i]
			s.Cameras[i] = CameraSummary{Ref: c.Ref, Site: c.Site, ID: c.ID, Agent: c.Agent, Labels: c.Labels, Group: c.Group, Seconds: secondsOf(&c.Figures)}
		}
	}
	return s
}

func groupSummary(g *GroupReport) GroupSummary {
	s := GroupSummary{Key: g.Key, Cameras: g.Cameras, Seconds: secondsOf(&g.Figures), Target: g.Target, Missed: g.Missed,
		Worst: make([]RankedSummary, len(g.Worst)), Daily: make([]DaySummary, len(g.Daily))}
	for i, w := range g.Worst {
		s.Worst[i] = RankedSummary{Ref: w.Ref, Site: w.Site, ID: w.ID, UptimePercent: w.UptimePercent, OfflineS: secs(w.Offline)}
	}
	for i, d := range g.Daily {
		s.Daily[i] = DaySummary{Date: d.Date, From: d.From, To: d.To,
			MonitoredS: secs(d.Monitored), OnlineS: secs(d.Online), DegradedS: secs(d.Degraded),
			OfflineS: secs(d.Offline), UnknownS: secs(d.Unknown), MaintenanceS: secs(d.Maintenance),
			UptimePercent: d.UptimePercent, Rated: d.Rated}
	}
	return s
}

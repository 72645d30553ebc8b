package uptime

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// figureColumns are the CSV columns every row shares after its keys; the
// window closes each row, so a row pasted elsewhere still says what it
// covers and where its figures stop.
var figureColumns = []string{"uptime_percent", "rated", "monitored_s", "online_s", "degraded_s", "offline_s",
	"unknown_s", "maintenance_s", "outages", "resolved", "longest_outage_s", "mttr_s", "mtbf_s", "from", "to", "measured_to"}

// WriteCSV writes one row per group (the "all" row last), or with cameras
// one row per camera, so a ward clerk can open the report in a
// spreadsheet. Durations are in seconds, as in the JSON.
func WriteCSV(w io.Writer, s *Summary, cameras bool) error {
	cw := csv.NewWriter(w)
	win := []string{s.From.UTC().Format(time.RFC3339Nano), s.To.UTC().Format(time.RFC3339Nano), s.MeasuredTo.UTC().Format(time.RFC3339Nano)}
	if cameras {
		_ = cw.Write(append([]string{"camera", "site", "agent", "program", "ward", "vendor", "model", "group"}, figureColumns...))
		for _, c := range s.Cameras {
			_ = cw.Write(append(append([]string{c.ID, c.Site, c.Agent, c.Labels.Program, c.Labels.Ward, c.Labels.Vendor, c.Labels.Model, c.Group}, secondsRow(c.Seconds)...), win...))
		}
	} else {
		_ = cw.Write(append([]string{string(s.GroupBy), "cameras", "target", "missed"}, figureColumns...))
		for _, g := range append(s.Groups, s.All) {
			_ = cw.Write(append(append([]string{g.Key, strconv.Itoa(g.Cameras), ftoa(g.Target), strconv.FormatBool(g.Missed)}, secondsRow(g.Seconds)...), win...))
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func secondsRow(f Seconds) []string {
	return []string{ftoa(f.UptimePercent), strconv.FormatBool(f.Rated), ftoa(f.MonitoredS), ftoa(f.OnlineS), ftoa(f.DegradedS),
		ftoa(f.OfflineS), ftoa(f.UnknownS), ftoa(f.MaintenanceS), strconv.Itoa(f.Outages), strconv.Itoa(f.Resolved),
		ftoa(f.LongestOutageS), ftoa(f.MTTRS), ftoa(f.MTBFS)}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

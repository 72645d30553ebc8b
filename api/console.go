package api

import "github.com/camwatch/camwatch/console"

// consoleOptions hands the web console the site's zone, the one uptime
// reports use (the aggregator's timezone), so the page shows times as
// the reports count days.
func consoleOptions(o Options) console.Options {
	if o.Uptime == nil || o.Uptime.Location == nil {
		return console.Options{}
	}
	return console.Options{TimeZone: o.Uptime.Location.String()}
}

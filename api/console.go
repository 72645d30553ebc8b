package api

import "github.com/camwatch/camwatch/console"

// consoleOptions hands the web console the site's zone, the one uptime
// reports use (the aggregator's timezone), so the page shows times as
// the reports count days, and the notice to show on every page.
func consoleOptions(o Options) console.Options {
	co := console.Options{Notice: o.ConsoleNotice}
	if o.Uptime != nil && o.Uptime.Location != nil {
		co.TimeZone = o.Uptime.Location.String()
	}
	return co
}

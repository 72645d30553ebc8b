// Package configs holds camwatch's configuration files: the strict YAML
// loader every subcommand uses, the file formats of the edge agent
// (including a camera's motion section, which `camwatch detect` also
// reads), the aggregator (with its alerts and uptime sections) and the
// simulated cameras, their validation, and the example files shipped
// beside this source, alert rules and webhook receivers included
// (embedded, so tests and the demo use exactly what a user copies).
package configs

// Package configs holds camwatch's configuration files: the strict YAML
// loader every subcommand uses, the file formats of the edge agent, the
// aggregator and the simulated cameras, their validation, and the example
// files shipped beside this source (embedded, so tests and the demo use
// exactly what a user copies).
package configs

// Command camwatch is the one binary of the camwatch system: the edge agent,
// the aggregator, the simulated cameras, the all-in-one demo and the config
// checker are its subcommands, so one build serves every role.
package main

import (
	"os"
)

func main() { os.Exit(run(os.Args[1:])) }

package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/camwatch/camwatch/signing"
)

// runKeygen is `camwatch keygen -out FILE`: a new Ed25519 key that signs
// alert transitions (the aggregator's alerts.signing_key), mode 0600; an
// existing file is never replaced (-keep: keeping it is success).
func runKeygen(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	path := fs.String("out", "", "key `file` to create (required)")
	keep := fs.Bool("keep", false, "succeed without a change when the file already holds a key (compose's init)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: camwatch keygen -out FILE", errUsage)
	}
	if *keep {
		if k, err := signing.LoadKey(*path); err == nil {
			fmt.Fprintf(out, "kept %s (key id %s)\n", *path, k.ID())
			return nil
		}
	}
	k, err := signing.GenerateKey()
	if err != nil {
		return err
	}
	if err := signing.WriteKey(*path, k); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s (key id %s); name it in alerts.signing_key (or, for a separate evidence key, evidence.key) on every aggregator replica\n", *path, k.ID())
	return nil
}

package main

import (
	"fmt"
	"io"
	"os"

	"github.com/camwatch/camwatch/alerts"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/notify"
	"go.yaml.in/yaml/v3"
)

// runConfig implements `camwatch config check FILE...`. The kind of file is
// told by its top-level keys, so one command checks any of them.
func runConfig(args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "check" {
		return fmt.Errorf("%w: camwatch config check FILE...", errUsage)
	}
	failed := 0
	for _, path := range args[1:] {
		kind, err := checkConfig(path)
		if err != nil {
			fmt.Fprintf(out, "FAIL %s: %v\n", path, err)
			failed++
			continue
		}
		fmt.Fprintf(out, "ok   %s (%s)\n", path, kind)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d config files are invalid", failed, len(args)-1)
	}
	return nil
}

func checkConfig(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return "", fmt.Errorf("%w: %v", configs.ErrInvalid, err)
	}
	var v configs.Validator
	var kind string
	switch {
	case top["agent"] != nil || top["spool_dir"] != nil:
		v, kind = &configs.Edge{}, "edge"
	case top["redis"] != nil || top["stream"] != nil || top["consumer"] != nil:
		v, kind = &configs.Aggregator{}, "aggregator"
	case top["cameras"] != nil:
		v, kind = &configs.Simcam{}, "simcam"
	case top["rules"] != nil:
		_, err := alerts.Parse(data)
		return "alert rules", err
	case top["receivers"] != nil:
		v, kind = &notify.File{}, "receivers"
	case top["detector"] != nil:
		v, kind = &configs.Motion{}, "motion"
	default:
		return "", fmt.Errorf("%w: cannot tell what this file configures (no agent, redis, cameras, rules, receivers or detector key)", configs.ErrInvalid)
	}
	return kind, configs.Parse(data, v)
}

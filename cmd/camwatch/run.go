package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/camwatch/camwatch/aggregator"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `camwatch: health, motion and uptime monitoring for community camera networks

Usage:
  camwatch demo [-listen ADDR]            run everything on embedded defaults
  camwatch edge -config FILE              run an edge agent
  camwatch aggregator -config FILE [-listen ADDR]
                                          run the central aggregator
  camwatch simcam -config FILE            run simulated RTSP cameras
  camwatch config check FILE...           validate config files
  camwatch nats creds -out DIR [-agent SITE/AGENT]... [-rotate SITE/AGENT]... [EDGE.yaml...]
                                          NATS authorization block and one credentials file per agent
  camwatch keygen -out FILE               an Ed25519 key that signs alert transitions or evidence (alerts.signing_key, evidence.key)
  camwatch report uptime [-server URL] [-group G] [-from T] [-to T] [-window 24h|7d|30d|90d] [-format table|csv|json]
                                          an uptime report from a running aggregator
  camwatch report scorecard -program P [-server URL] [-from T] [-to T] [-window W] [-format table|csv|json]
                                          one program's scorecard: uptime, alerts handled, time to acknowledge
  camwatch report review -ward W -month YYYY-MM|-quarter YYYY-Qn [-lang vi|en] [-o FILE] [-server URL]
                                          the ward's printable program review (HTML, one A4 page per program)
  camwatch report generate [-redis URL] [-prefix P] [-cameras N] [-days D]
                                          load a synthetic city's history (demo, benchmark)
  camwatch detect [-config CAMERA.yaml] [-json] CLIP
                                          motion intervals a camera's detector finds in a clip
  camwatch user add [-role R] [-scope S] [-password-stdin] NAME | passwd NAME | disable NAME | enable NAME | list
                                          manage users of a running deployment (-config its aggregator.yaml)
  camwatch token create -name N [-role R] [-scope S] [-expires 2160h] | revoke ID | list
                                          API tokens for scripts; the token is printed once
  camwatch audit verify                   walk the audit log's hash chain, report the first broken link
  camwatch evidence export -case ID -reason TEXT -o FILE [-server URL]
                                          a case's signed evidence bundle ($CAMWATCH_TOKEN: an investigator's)
  camwatch evidence verify FILE [-key PUB.pem]
                                          check a bundle offline; names the first file or record that does not match
  camwatch evidence key [-server URL]     the deployment's public evidence key (PEM)
  camwatch version

Common flags: -log-level debug|info|warn|error, -log-format text|json.
Docs: README.md and docs/ in the source tree.
`

// exit codes
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	aggregator.Version = version
	var err error
	switch cmd {
	case "edge":
		err = runEdge(rest)
	case "aggregator":
		err = runAggregator(rest)
	case "simcam":
		err = runSimcam(rest)
	case "demo":
		err = runDemo(rest)
	case "config":
		err = runConfig(rest, os.Stdout)
	case "keygen":
		err = runKeygen(rest, os.Stdout)
	case "nats":
		err = runNATS(rest, os.Stdout)
	case "report":
		err = runReport(rest, os.Stdout)
	case "detect":
		err = runDetect(rest, os.Stdout)
	case "user":
		err = runUser(rest, os.Stdin, os.Stdout)
	case "token":
		err = runToken(rest, os.Stdout, os.Stderr)
	case "audit":
		err = runAudit(rest, os.Stdout)
	case "evidence":
		err = runEvidence(rest, os.Stdout, os.Stderr)
	case "version", "-version", "--version":
		fmt.Println("camwatch", version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return exitOK
	default:
		fmt.Fprintf(os.Stderr, "camwatch: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "camwatch %s: %v\n", cmd, err)
		return exitUsage
	default:
		fmt.Fprintf(os.Stderr, "camwatch %s: %v\n", cmd, err)
		return exitFailure
	}
}

var errUsage = errors.New("usage")

// common holds the flags every long-running subcommand takes.
type common struct {
	config    string
	logLevel  string
	logFormat string
}

func newFlags(name string, c *common, needConfig bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if needConfig {
		fs.StringVar(&c.config, "config", "", "YAML config `file` (required)")
	}
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	return fs
}

func (c *common) parse(fs *flag.FlagSet, args []string, needConfig bool) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if needConfig && c.config == "" {
		return fmt.Errorf("%w: -config FILE is required", errUsage)
	}
	return nil
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("%w: -log-level %q: want debug, info, warn or error", errUsage, c.logLevel)
	}
	o := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(c.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("%w: -log-format %q: want text or json", errUsage, c.logFormat)
}

// registry is a fresh Prometheus registry with the process and Go
// collectors, so /metrics shows this process only.
func registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// signalContext is the only place that touches signals: SIGINT and SIGTERM
// cancel the context, and the subcommand drains and exits.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/uptime"
	"github.com/redis/go-redis/v9"
)

// runReport serves `camwatch report uptime` (a report from a running
// aggregator) and `camwatch report generate` (a synthetic city loaded into
// Redis for the demo and the benchmark).
func runReport(args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: report uptime|generate [flags]", errUsage)
	}
	switch args[0] {
	case "uptime":
		return reportUptime(args[1:], out)
	case "generate":
		return reportGenerate(args[1:], out)
	}
	return fmt.Errorf("%w: unknown report %q (want uptime or generate)", errUsage, args[0])
}

func reportUptime(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report uptime", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "aggregator base `URL`")
	group := fs.String("group", "program", "grouping: all, camera, program, ward, vendor, model, agent")
	from := fs.String("from", "", "window start: RFC 3339 or a local date (YYYY-MM-DD)")
	to := fs.String("to", "", "window end (default now)")
	window := fs.String("window", "", "24h, 7d, 30d or 90d ending at -to (default 24h without -from)")
	tz := fs.String("tz", "", "time zone of dates and days (default the aggregator's)")
	format := fs.String("format", "table", "table, csv or json")
	rows := fs.String("rows", "groups", "csv/json rows: groups or cameras")
	timeout := fs.Duration("timeout", 30*time.Second, "request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if _, err := uptime.ParseGroup(*group); err != nil {
		return fmt.Errorf("%w: -group: %v", errUsage, err)
	}
	q := url.Values{"group": {*group}}
	for k, v := range map[string]string{"from": *from, "to": *to, "window": *window, "tz": *tz} {
		if v != "" {
			q.Set(k, v)
		}
	}
	switch *format {
	case "table", "json":
	case "csv":
		q.Set("format", "csv")
	default:
		return fmt.Errorf("%w: -format %q: want table, csv or json", errUsage, *format)
	}
	if *rows != "groups" {
		q.Set("rows", *rows)
	}
	u := strings.TrimRight(*server, "/") + "/api/v1/uptime?" + q.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: -server: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ask the aggregator: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("read the report: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("aggregator answered %d: %s", resp.StatusCode, e.Error)
		}
		return fmt.Errorf("aggregator answered %s", resp.Status)
	}
	if *format != "table" {
		_, err := out.Write(body)
		return err
	}
	var s uptime.Summary
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("decode the report: %w", err)
	}
	return writeTable(out, &s)
}

// writeTable prints one line per group and the total, for a terminal.
func writeTable(out io.Writer, s *uptime.Summary) error {
	fmt.Fprintf(out, "uptime by %s, %s to %s (%s)\n\n", s.GroupBy, s.From.Format(time.RFC3339), s.To.Format(time.RFC3339), s.TimeZone)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GROUP\tCAMERAS\tUPTIME %\tTARGET\tMISSED\tOUTAGES\tLONGEST\tMTTR\tMTBF\tUNKNOWN\t")
	for _, g := range append(s.Groups, s.All) {
		up, target, missed := "-", "-", ""
		if g.Rated {
			up = fmt.Sprintf("%.3f", g.UptimePercent)
		}
		if g.Target > 0 {
			target = fmt.Sprintf("%.2f", g.Target)
		}
		if g.Missed {
			missed = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", g.Key, g.Cameras, up, target, missed, g.Outages,
			dur(g.LongestOutageS), dur(g.MTTRS), dur(g.MTBFS), dur(g.UnknownS))
	}
	return tw.Flush()
}

// dur shows seconds as a short duration (1h23m, 4d2h).
func dur(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Minute)
	switch {
	case s == 0:
		return "0"
	case s < 60:
		return fmt.Sprintf("%.0fs", s)
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	}
	return strings.TrimSuffix(d.String(), "0s")
}

func reportGenerate(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report generate", flag.ContinueOnError)
	redisURL := fs.String("redis", "redis://127.0.0.1:6379/0", "Redis `URL` (password from REDIS_PASSWORD)")
	prefix := fs.String("prefix", "camwatch", "key prefix (redis.prefix of the aggregator)")
	var o uptime.GenerateOptions
	fs.IntVar(&o.Cameras, "cameras", 10000, "cameras")
	fs.IntVar(&o.Programs, "programs", 50, "community programs")
	fs.IntVar(&o.Days, "days", 90, "days of history ending now")
	fs.Float64Var(&o.OutagesPerWeek, "outages-per-week", 3, "outages per camera per week")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("%w: -redis: %v", errUsage, err)
	}
	if pw := os.Getenv("REDIS_PASSWORD"); pw != "" {
		opt.Password = pw
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	start := time.Now()
	h, err := uptime.Generate(context.Background(), rdb, *prefix, o)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range h.Cameras {
		n += len(c.Transitions)
	}
	fmt.Fprintf(out, "generated %d cameras, %d transitions under %s: in %s\n", len(h.Cameras), n, *prefix, time.Since(start).Round(time.Millisecond))
	return nil
}

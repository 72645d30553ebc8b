package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/camwatch/camwatch/camstate"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/uptime"
	"github.com/redis/go-redis/v9"
)

// runReport serves `camwatch report uptime` (a report from a running
// aggregator), `camwatch report scorecard` (one program's review) and
// `camwatch report generate` (a synthetic city loaded into Redis for the
// demo and the benchmark).
func runReport(args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: report uptime|scorecard|review|generate [flags]", errUsage)
	}
	switch args[0] {
	case "uptime":
		return reportUptime(args[1:], out)
	case "scorecard":
		return reportScorecard(args[1:], out)
	case "generate":
		return reportGenerate(args[1:], out)
	case "review":
		return reportReview(args[1:], out)
	}
	return fmt.Errorf("%w: unknown report %q (want uptime, scorecard, review or generate)", errUsage, args[0])
}

func reportUptime(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report uptime", flag.ContinueOnError)
	var w windowFlags
	w.register(fs)
	group := fs.String("group", "program", "grouping: all, camera, program, ward, vendor, model, agent")
	rows := fs.String("rows", "groups", "csv/json rows: groups or cameras")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if _, err := uptime.ParseGroup(*group); err != nil {
		return fmt.Errorf("%w: -group: %v", errUsage, err)
	}
	if err := w.check(); err != nil {
		return err
	}
	q := w.query(url.Values{"group": {*group}})
	if w.format == "csv" {
		q.Set("format", "csv")
	}
	if *rows != "groups" {
		q.Set("rows", *rows)
	}
	body, err := askAggregator(w.server, "/api/v1/uptime?"+q.Encode(), w.timeout)
	if err != nil {
		return err
	}
	if w.format != "table" {
		_, err := out.Write(body)
		return err
	}
	var s uptime.Summary
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("decode the report: %w", err)
	}
	return writeTable(out, &s)
}

// generatedNote is said above figures over generated history (the
// demo's month), as the console and the printed review say it.
const generatedNote = "NOTE: part of this window's history was GENERATED (a demo), not measured: these are not real figures.\n\n"

// writeTable prints one line per group and the total, for a terminal.
func writeTable(out io.Writer, s *uptime.Summary) error {
	fmt.Fprintf(out, "uptime by %s, %s to %s%s (%s)\n\n", s.GroupBy, s.From.Format(time.RFC3339), s.To.Format(time.RFC3339), measuredNote(s.To, s.MeasuredTo), s.TimeZone)
	if s.Generated {
		fmt.Fprint(out, generatedNote)
	}
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

// measuredNote says where the figures stop when that is before the end
// asked for (a window reaching into the future).
func measuredNote(to, measured time.Time) string {
	if measured.IsZero() || !measured.Before(to) {
		return ""
	}
	return ", measured to " + measured.Format(time.RFC3339)
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
	h, err := uptime.Generate(context.Background(), camstate.New(rdb, camstate.Options{Prefix: *prefix}), o)
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

func reportScorecard(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report scorecard", flag.ContinueOnError)
	var w windowFlags
	w.register(fs)
	program := fs.String("program", "", "community program (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *program == "" {
		return fmt.Errorf("%w: -program is required", errUsage)
	}
	if err := w.check(); err != nil {
		return err
	}
	q := w.query(url.Values{"program": {*program}})
	body, err := askAggregator(w.server, "/api/v1/uptime/scorecard?"+q.Encode(), w.timeout)
	if err != nil {
		return err
	}
	if w.format == "json" {
		_, err := out.Write(body)
		return err
	}
	var sc uptime.Scorecard
	if err := json.Unmarshal(body, &sc); err != nil {
		return fmt.Errorf("decode the scorecard: %w", err)
	}
	rows := scorecardRows(&sc)
	if sc.Generated {
		rows = append(rows, [2]string{"generated", "true"})
	}
	if w.format == "csv" {
		w := csv.NewWriter(out)
		_ = w.Write([]string{"figure", "value"})
		for _, r := range rows {
			_ = w.Write([]string{r[0], r[1]})
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(out, "scorecard of %s, %s to %s%s (%s)\n\n", sc.Program, sc.From.Format(time.RFC3339), sc.To.Format(time.RFC3339), measuredNote(sc.To, sc.MeasuredTo), sc.TimeZone)
	if sc.Generated {
		fmt.Fprint(out, generatedNote)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		v := r[1]
		if strings.HasSuffix(r[0], "_s") && v != "" {
			f, _ := strconv.ParseFloat(v, 64)
			v = dur(f)
		}
		fmt.Fprintf(tw, "%s\t%s\n", strings.TrimSuffix(r[0], "_s"), v)
	}
	return tw.Flush()
}

// scorecardRows lists a scorecard as (figure, value) pairs, durations in
// seconds under names ending in _s; without alerts, one row says so.
func scorecardRows(sc *uptime.Scorecard) [][2]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	up := ""
	if sc.Rated {
		up = strconv.FormatFloat(sc.UptimePercent, 'f', 3, 64)
	}
	rows := [][2]string{
		{"from", sc.From.UTC().Format(time.RFC3339Nano)}, {"to", sc.To.UTC().Format(time.RFC3339Nano)},
		{"measured_to", sc.MeasuredTo.UTC().Format(time.RFC3339Nano)},
		{"cameras", strconv.Itoa(sc.Cameras)}, {"uptime_percent", up}, {"target", f(sc.Target)},
		{"missed", strconv.FormatBool(sc.Missed)}, {"outages", strconv.Itoa(sc.Outages)},
		{"longest_outage_s", f(sc.LongestOutageS)}, {"mttr_s", f(sc.MTTRS)}, {"mtbf_s", f(sc.MTBFS)},
		{"degraded_s", f(sc.DegradedS)}, {"unknown_s", f(sc.UnknownS)}, {"maintenance_s", f(sc.MaintenanceS)},
	}
	worst := make([]string, len(sc.Worst))
	for i, w := range sc.Worst {
		worst[i] = fmt.Sprintf("%s (%.3f%%)", w.ID, w.UptimePercent)
	}
	rows = append(rows, [2]string{"worst", strings.Join(worst, " ")})
	a := sc.Alerts
	if !sc.AlertsEnabled || a == nil {
		return append(rows, [2]string{"alerts", "off"})
	}
	rows = append(rows, [][2]string{{"alerts_fired", strconv.Itoa(a.Fired)}, {"alerts_acknowledged", strconv.Itoa(a.Acknowledged)},
		{"alerts_resolved_automatically", strconv.Itoa(a.ResolvedAutomatically)},
		{"alerts_resolved_by_hand", strconv.Itoa(a.ResolvedByHand)}, {"alerts_open", strconv.Itoa(a.Open)}}...)
	med := ""
	if a.MedianAckS != nil {
		med = f(*a.MedianAckS)
	}
	rows = append(rows, [2]string{"median_ack_s", med})
	for _, m := range []struct {
		name   string
		counts map[string]int
	}{{"alerts_rule_", a.ByRule}, {"alerts_severity_", a.BySeverity}} {
		keys := make([]string, 0, len(m.counts))
		for k := range m.counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rows = append(rows, [2]string{m.name + k, strconv.Itoa(m.counts[k])})
		}
	}
	return rows
}

// askAggregator GETs path from the aggregator and returns the body of a
// 200, or the error the aggregator named.
// windowFlags are the flags every report against a running aggregator
// takes: where it is, which window, and how to print.
type windowFlags struct {
	server, from, to, window, tz, format string
	timeout                              time.Duration
}

func (w *windowFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&w.server, "server", "http://127.0.0.1:8080", "aggregator base `URL`")
	fs.StringVar(&w.from, "from", "", "window start: RFC 3339 or a local date (YYYY-MM-DD)")
	fs.StringVar(&w.to, "to", "", "window end (default now)")
	fs.StringVar(&w.window, "window", "", "24h, 7d, 30d or 90d ending at -to (default 24h without -from)")
	fs.StringVar(&w.tz, "tz", "", "time zone of dates and days (default the aggregator's)")
	fs.StringVar(&w.format, "format", "table", "table, csv or json")
	fs.DurationVar(&w.timeout, "timeout", 30*time.Second, "request timeout")
}

func (w *windowFlags) check() error {
	switch w.format {
	case "table", "csv", "json":
		return nil
	}
	return fmt.Errorf("%w: -format %q: want table, csv or json", errUsage, w.format)
}

// query adds the window parameters that are set to q.
func (w *windowFlags) query(q url.Values) url.Values {
	for k, v := range map[string]string{"from": w.from, "to": w.to, "window": w.window, "tz": w.tz} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// TokenEnv holds the API token the report commands send.
const TokenEnv = "CAMWATCH_TOKEN"

func askAggregator(server, path string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(server, "/")+path, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: -server: %v", errUsage, err)
	}
	// The token comes from the environment, never a flag (ps shows flags).
	if tok := os.Getenv(TokenEnv); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ask the aggregator: %w", err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		resp.Body.Close()
		return nil, fmt.Errorf("aggregator answered 401: set %s to an API token (camwatch token create -role viewer ...)", TokenEnv)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("aggregator answered %d: %s", resp.StatusCode, e.Error)
		}
		return nil, fmt.Errorf("aggregator answered %s", resp.Status)
	}
	return body, nil
}

// reportReview is `camwatch report review -ward X -month 2026-11 -o
// review.html`: the printable program review, from the aggregator.
func reportReview(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("report review", flag.ContinueOnError)
	server := fs.String("server", "http://127.0.0.1:8080", "aggregator base `URL`")
	ward := fs.String("ward", "", "ward id (required)")
	month := fs.String("month", "", "a month, YYYY-MM")
	quarter := fs.String("quarter", "", "a quarter, YYYY-Qn (instead of -month)")
	lang := fs.String("lang", "vi", "vi or en")
	output := fs.String("o", "", "write the HTML to `file` (default standard output)")
	timeout := fs.Duration("timeout", 2*time.Minute, "request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	period := *month
	switch {
	case *ward == "":
		return fmt.Errorf("%w: -ward is required", errUsage)
	case (*month == "") == (*quarter == ""):
		return fmt.Errorf("%w: give -month YYYY-MM or -quarter YYYY-Qn", errUsage)
	case *quarter != "":
		period = *quarter
	}
	if *lang != "vi" && *lang != "en" {
		return fmt.Errorf("%w: -lang %q: want vi or en", errUsage, *lang)
	}
	q := url.Values{"ward": {*ward}, "period": {period}, "lang": {*lang}}
	body, err := askAggregator(*server, "/api/v1/review?"+q.Encode(), *timeout)
	if err != nil {
		return err
	}
	if *output == "" {
		_, err := out.Write(body)
		return err
	}
	if err := os.WriteFile(*output, body, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s (%d bytes): open it in a browser; Print → A4 → Save as PDF for a PDF\n", *output, len(body))
	return nil
}

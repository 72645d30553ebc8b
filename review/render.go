package review

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
	"github.com/camwatch/camwatch/uptime"
)

//go:embed review.html.tmpl
var page string

//go:embed review.css
var css string

var tmpl = template.Must(template.New("review").Funcs(template.FuncMap{
	"css": func() template.CSS { return template.CSS(css) },
}).Parse(page))

// view is what the template sees: everything already in words.
type view struct {
	Lang                                programs.Lang
	Title, WardLabel, Ward, PeriodLabel string
	Period, MeasuredTo, Generated       string
	PrintHint, NoCameras                string
	// SyntheticNote warns on every page that figures come from generated
	// history; empty when they are all measured.
	SyntheticNote string
	T             map[string]string
	Programs      []progView
	Empty         bool
}

type progView struct {
	ID, Name, Kind                       string
	Uptime, Target, Verdict              string
	Missed                               bool
	Cameras, Outages, MTTR               string
	AlertsRaised, AlertsAcked, MedianAck string
	AlertsOpen                           string
	Rows                                 []camView
	Causes                               []causeView
	Worst                                []camView
	Trend                                []trendView
	Motion                               template.HTML
	MotionNote                           string
	MotionTotal                          int
}

type camView struct {
	ID, Name, Uptime, Offline, Degraded, Outages, Longest string
	Missed                                                bool
}

type causeView struct{ Cause, Spells, Time string }

type trendView struct{ What, Now, Before, Change string }

// Render writes rv as one HTML document in lang.
func Render(w io.Writer, rv *Review, d *programs.Directory, lang programs.Lang) error {
	t := func(k string) string { return programs.In(texts[k], lang) }
	loc := rv.Location
	v := view{Lang: lang, Title: t("title"), WardLabel: t("ward"), Ward: d.WardName(rv.Ward, lang), PeriodLabel: t("period"),
		Period: periodName(rv.Period, lang), MeasuredTo: fmtTime(rv.MeasuredTo, loc), Generated: fmtTime(rv.Generated, loc),
		PrintHint: t("print"), NoCameras: t("noCameras"), T: map[string]string{}, Empty: len(rv.Programs) == 0}
	if rv.Synthetic {
		v.SyntheticNote = t("synthetic")
	}
	for k := range texts {
		v.T[k] = t(k)
	}
	for _, p := range rv.Programs {
		pv := progView{ID: p.ID, Name: d.ProgramName(p.ID, lang), Kind: programs.KindName(p.Kind, lang),
			Uptime: pct(p.Figures, lang), Cameras: fmt.Sprint(len(p.Cameras)), Outages: fmt.Sprint(p.Outages), MTTR: "—"}
		if p.Resolved > 0 { // no repaired outage has no repair time (the console shows "—" too)
			pv.MTTR = dur(p.MTTR, lang)
		}
		switch {
		case p.Target == 0:
			pv.Target, pv.Verdict = "—", t("noTarget")
		case !p.Rated:
			pv.Target, pv.Verdict = num(p.Target, 2, lang)+" %", t("unrated")
		case p.Met:
			pv.Target, pv.Verdict = num(p.Target, 2, lang)+" %", t("met")
		default:
			pv.Target, pv.Verdict, pv.Missed = num(p.Target, 2, lang)+" %", t("missed"), true
		}
		if a := p.Alerts; a != nil {
			pv.AlertsRaised, pv.AlertsAcked, pv.AlertsOpen = fmt.Sprint(a.Fired), fmt.Sprint(a.Acknowledged), fmt.Sprint(a.Open)
			pv.MedianAck = "—"
			if a.MedianAckS != nil {
				pv.MedianAck = dur(time.Duration(*a.MedianAckS*float64(time.Second)), lang)
			}
		}
		// Camera ids are unique per site only: a program with two
		// sites' cam-01 names the site on their rows.
		sites := map[string]map[string]bool{}
		for _, c := range p.Cameras {
			if sites[c.ID] == nil {
				sites[c.ID] = map[string]bool{}
			}
			sites[c.ID][c.Site] = true
		}
		row := func(c Camera) camView {
			v := camRow(c, p, d, lang)
			if len(sites[c.ID]) > 1 {
				v.Name += " · " + c.Site
			}
			return v
		}
		for _, c := range p.Cameras {
			pv.Rows = append(pv.Rows, row(c))
		}
		for _, c := range p.Worst {
			pv.Worst = append(pv.Worst, row(c))
		}
		for _, c := range p.Causes {
			what := t(string(c.Kind))
			if c.Reason != "" && c.Reason != "agent_lost" {
				r := c.Reason
				if n, ok := reasonTexts[r]; ok {
					r = programs.In(n, lang)
				}
				what += ": " + r
			}
			pv.Causes = append(pv.Causes, causeView{Cause: what, Spells: fmt.Sprint(c.Spells), Time: dur(c.Duration, lang)})
		}
		if p.Prev.Monitored > 0 || p.PrevAlerts != nil {
			tr := trendView{What: t("uptime"), Now: pct(p.Figures, lang), Before: pct(p.Prev, lang), Change: "—"}
			if p.Rated && p.Prev.Rated {
				tr.Change = signed(p.UptimePercent-p.Prev.UptimePercent, lang) + " " + t("pp")
			}
			pv.Trend = append(pv.Trend, tr,
				trendView{What: t("outages"), Now: fmt.Sprint(p.Outages), Before: fmt.Sprint(p.Prev.Outages), Change: signedInt(p.Outages - p.Prev.Outages)})
			if p.Alerts != nil && p.PrevAlerts != nil {
				pv.Trend = append(pv.Trend, trendView{What: t("alerts"), Now: fmt.Sprint(p.Alerts.Fired), Before: fmt.Sprint(p.PrevAlerts.Fired), Change: signedInt(p.Alerts.Fired - p.PrevAlerts.Fired)})
			}
		}
		for _, n := range p.MotionByHour {
			pv.MotionTotal += n
		}
		pv.Motion = motionChart(p.MotionByHour, t("motion"), t("motionN"))
		switch {
		case rv.NoMotion:
			pv.MotionNote = t("noMotion")
		case !rv.MotionFrom.IsZero() && rv.MotionFrom.After(rv.Period.From):
			pv.MotionNote = t("motionFrom") + " " + fmtTime(rv.MotionFrom, loc)
		}
		v.Programs = append(v.Programs, pv)
	}
	return tmpl.Execute(w, v)
}

func camRow(c Camera, p Program, d *programs.Directory, lang programs.Lang) camView {
	return camView{ID: c.ID, Name: d.CameraName(event.CameraRef{Site: c.Site, Camera: c.ID}, "", lang), Uptime: pct(c.Figures, lang), Offline: dur(c.Offline, lang),
		Degraded: dur(c.Degraded, lang), Outages: fmt.Sprint(c.Outages), Longest: dur(c.LongestOutage, lang),
		Missed: p.Target > 0 && c.Rated && c.UptimePercent < p.Target}
}

// motionChart draws 24 bars (one per hour) as inline SVG, each with its
// count as a title, the hours under them.
func motionChart(h [24]int, label, unit string) template.HTML {
	maxN := 1
	for _, n := range h {
		maxN = max(maxN, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="motion" viewBox="0 0 480 110" role="img" aria-label="%s">`, template.HTMLEscapeString(label))
	for i, n := range h {
		hg := 80 * float64(n) / float64(maxN)
		fmt.Fprintf(&b, `<rect class="bar" data-hour="%d" x="%d" y="%.1f" width="16" height="%.1f"><title>%02d:00 – %d %s</title></rect>`,
			i, i*20+2, 85-hg, hg, i, n, template.HTMLEscapeString(unit))
		if i%3 == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="102">%02d</text>`, i*20+2, i)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped strings only
}

func periodName(p Period, lang programs.Lang) string {
	if strings.Contains(p.Label, "Q") {
		q := (int(p.From.Month())-1)/3 + 1
		return fmt.Sprintf(programs.In(texts["quarter"], lang), q, p.From.Year())
	}
	if lang == programs.EN {
		return fmt.Sprintf("%s %d", p.From.Month(), p.From.Year())
	}
	return fmt.Sprintf("Tháng %d/%d", int(p.From.Month()), p.From.Year())
}

func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("15:04 02/01/2006")
}

func pct(f uptime.Figures, lang programs.Lang) string {
	if !f.Rated {
		return programs.In(texts["unrated"], lang)
	}
	return num(f.UptimePercent, 2, lang) + " %"
}

// num formats v with digits decimals, with the decimal comma in Vietnamese.
func num(v float64, digits int, lang programs.Lang) string {
	s := fmt.Sprintf("%.*f", digits, v)
	if lang == programs.VI {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func signed(v float64, lang programs.Lang) string {
	if math.Abs(v) < 0.005 {
		return "±" + num(0, 2, lang)
	}
	if v > 0 {
		return "+" + num(v, 2, lang)
	}
	return "−" + num(-v, 2, lang)
}

func signedInt(n int) string {
	switch {
	case n > 0:
		return fmt.Sprintf("+%d", n)
	case n < 0:
		return fmt.Sprintf("−%d", -n)
	}
	return "±0"
}

// dur writes a duration as people read it: 3 ngày 4 giờ, 2 h 5 min.
func dur(d time.Duration, lang programs.Lang) string {
	if d <= 0 {
		return "0"
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	u := map[programs.Lang][3]string{programs.VI: {"ngày", "giờ", "phút"}, programs.EN: {"d", "h", "min"}}[lang]
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, u[0]))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, u[1]))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", mins, u[2]))
	}
	if len(parts) == 0 {
		return "< 1 " + u[2]
	}
	return strings.Join(parts, " ")
}

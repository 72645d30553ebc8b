package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/simcam"
	"github.com/camwatch/camwatch/testenv"
	"github.com/camwatch/camwatch/uptime"
)

// Tolerances of the accuracy proof (issue 14): what a ward signs.
const (
	endTolerance    = 3 * time.Second // each outage's start and end, and its length
	uptimeTolerance = 0.5             // percentage points
)

// accuracyProbe is the edge's probe interval in the accuracy proof. The
// default (1 s) errs by up to 1.1 s at the end of each outage; over this
// test's 160 s window two such outages could move a camera's uptime by
// 1.4 pp, so the proof runs at 200 ms, which keeps the uptime check
// meaningful in a short window (the 3 s bounds hold at 1 s too:
// TestSupervisorRecoversAtOnce, docs/BENCHMARKS.md). Set
// CAMWATCH_ACCURACY_PROBE to another interval, or to "default" to leave
// the edge's own (needed for an edge build without probing).
func accuracyProbe() string {
	switch p := os.Getenv("CAMWATCH_ACCURACY_PROBE"); p {
	case "":
		return ", probe_interval: 200ms"
	case "default":
		return ""
	default:
		return ", probe_interval: " + p
	}
}

// accuracyCams carry the schedule, one named case (or two close together)
// per camera so that each camera's uptime is judged over the whole window.
var accuracyCams = []camSpec{
	{"cam-1s", "static-320x240"},
	{"cam-5s", "static-320x240"},
	{"cam-30s", "static-320x240"},
	{"cam-2m", "static-320x240"},
	{"cam-close", "static-320x240"},
	{"cam-stats", "static-320x240"},
	{"cam-restart", "static-320x240"},
	{"cam-stall", "static-320x240"},
	{"cam-frozen", "walk-320x240"},
	{"cam-flap", "static-320x240"},
}

// fault is one scripted fault: at (after the schedule's start) camera
// shows kind for dur.
type fault struct {
	at   time.Duration
	cam  string
	kind simcam.FaultKind
	dur  time.Duration
}

var accuracySchedule = []fault{
	{10 * time.Second, "cam-1s", simcam.FaultOffline, time.Second},
	{10 * time.Second, "cam-5s", simcam.FaultOffline, 5 * time.Second},
	{10 * time.Second, "cam-30s", simcam.FaultOffline, 30 * time.Second},
	{10 * time.Second, "cam-2m", simcam.FaultOffline, 2 * time.Minute},
	{10 * time.Second, "cam-close", simcam.FaultOffline, 3 * time.Second},
	{19 * time.Second, "cam-close", simcam.FaultOffline, 3 * time.Second},
	// cam-stats: 5 s across one of its stats ticks, placed at run time.
	{40 * time.Second, "cam-restart", simcam.FaultOffline, 25 * time.Second}, // the edge restarts at ~50 s
	{80 * time.Second, "cam-stall", simcam.FaultStall, 8 * time.Second},
	// cam-frozen: 20 s from about 80 s, placed at run time.
}

const (
	accuracyWindow = 160 * time.Second
	accuracyStats  = 10 * time.Second
	restartAfter   = 48 * time.Second
)

// TestUptimeAccuracy is the accuracy proof: simcam plays a schedule of
// outages of known lengths (1 s, 5 s, 30 s, 2 min, two close together, one
// across a stats interval, one during an agent restart), a stall and a
// frozen picture, plus a camera flapping all along, through the real edge
// (production backoff), NATS and the aggregator; the uptime report of each
// camera must match simcam's own state log (the times each fault took
// effect, not the test's sleeps): every outage's start and end within 3 s,
// its offline time within 3 s, uptime within 0.5 pp, MTTR within 3 s; the
// stall as an outage with reason stalled, the frozen picture as degraded
// time; the flapping camera with each flap one outage and the flapping
// rule firing. It takes about three minutes, most of it the 2 min outage.
func TestUptimeAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	dir := t.TempDir()
	rules := writeFile(t, dir, "alerts.yaml", `timezone: Asia/Ho_Chi_Minh
rules:
  - id: e2e-flapping
    description: the flapping camera drops in and out
    trigger: {type: flapping, changes: 6, within: 2m}
    match: {cameras: [cam-flap]}
    severity: warning
`)
	s := startSystemWith(t, setup{
		cameras:       accuracyCams,
		statsInterval: accuracyStats,
		backoff:       defaultBackoff,
		timingExtra:   accuracyProbe(),
		camExtra: map[string]camExtra{
			"cam-frozen": {edge: "    motion: {detector: pixel}\n"},
			"cam-flap":   {sim: "offline_every: 10s, offline_for: 1s"},
		},
		aggExtra: fmt.Sprintf("alerts: {rules: %q}\n", filepath.ToSlash(rules)),
	})
	testenv.Eventually(t, 40*time.Second, func() error {
		cams, err := s.cameras()
		if err != nil {
			return err
		}
		for _, c := range accuracyCams {
			if c.id != "cam-flap" && cams[c.id].Status != "online" {
				return fmt.Errorf("camera %s: %+v", c.id, cams[c.id])
			}
		}
		return nil
	})
	t0 := time.Now()
	t.Logf("schedule starts %s; report window %s", t0.Format(time.RFC3339Nano), accuracyWindow)

	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for _, cam := range accuracyCams {
		var steps []fault
		for _, f := range accuracySchedule {
			if f.cam == cam.id {
				steps = append(steps, f)
			}
		}
		if len(steps) == 0 {
			continue
		}
		wg.Go(func() {
			for _, f := range steps {
				time.Sleep(time.Until(t0.Add(f.at)))
				if err := s.tryFault(f.cam, f.kind, f.dur); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		// Across a stats interval: from 2 s before one of the camera's
		// stats ticks to 3 s after it.
		time.Sleep(time.Until(t0.Add(12 * time.Second)))
		evs, err := s.events("cam-stats", t0, "stats")
		if err != nil || len(evs) == 0 {
			errs <- fmt.Errorf("cam-stats: no stats to place the outage by: %v", err)
			return
		}
		tick := evs[len(evs)-1].Time
		for tick.Before(time.Now().Add(3 * time.Second)) {
			tick = tick.Add(accuracyStats)
		}
		time.Sleep(time.Until(tick.Add(-2 * time.Second)))
		if err := s.tryFault("cam-stats", simcam.FaultOffline, 5*time.Second); err != nil {
			errs <- err
		}
	})

	wg.Go(func() {
		// Frozen while something moves in the clip: a picture that was
		// already still before the freeze is dated frozen from the start
		// of its still run (docs/uptime.md), which is right but is not
		// what this check measures.
		time.Sleep(time.Until(t0.Add(75 * time.Second)))
		info, _ := simcam.LookupClip("walk-320x240")
		log, err := s.stateLog("cam-frozen")
		if err != nil || len(info.Motion) == 0 {
			errs <- fmt.Errorf("cam-frozen: cannot place the freeze: %v", err)
			return
		}
		period := time.Duration(info.Seconds * float64(time.Second))
		phase := time.Duration((info.Motion[0][0] + 1.5) * float64(time.Second))
		at := log[0].At.Add(phase)
		for at.Before(time.Now().Add(time.Second)) {
			at = at.Add(period)
		}
		time.Sleep(time.Until(at))
		if err := s.tryFault("cam-frozen", simcam.FaultFreeze, 20*time.Second); err != nil {
			errs <- err
		}
	})

	// The agent restarts in the middle of cam-restart's outage, while the
	// flapping camera is back and reported so (a flap during the restart
	// would be seen by nobody: no agent is watching for 1-2 s).
	time.Sleep(time.Until(t0.Add(restartAfter)))
	flapBack := func() error {
		log, err := s.stateLog("cam-flap")
		if err != nil {
			return err
		}
		last := log[len(log)-1]
		if last.State != simcam.StateOnline || time.Since(last.At) < 2500*time.Millisecond {
			return fmt.Errorf("cam-flap %s since %s", last.State, last.At)
		}
		cams, err := s.cameras()
		if err != nil || cams["cam-flap"].Status != "online" {
			return fmt.Errorf("cam-flap not reported back yet: %v", err)
		}
		return nil
	}
	// Not fatal: an edge that is slow to see cam-flap back (one without
	// probing, measured for docs/BENCHMARKS.md) fails its checks instead.
	for wait := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		err := flapBack()
		if err == nil {
			break
		}
		if time.Now().After(wait) {
			t.Errorf("restarting the edge anyway: %v", err)
			break
		}
	}
	restartAt := time.Now()
	s.restartEdge(syscall.SIGTERM)
	t.Logf("edge restarted at +%.1fs", restartAt.Sub(t0).Seconds())

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t1 := t0.Add(accuracyWindow)
	time.Sleep(time.Until(t1.Add(3 * time.Second))) // the last events travel

	var starts, ends []time.Duration
	for _, cam := range accuracyCams {
		t.Run(cam.id, func(t *testing.T) {
			log, err := s.stateLog(cam.id)
			if err != nil {
				t.Fatal(err)
			}
			row := s.cameraUptime(t, cam.id, t0, t1)
			want := truthOf(log, t0, t1)
			st, en := checkAccuracy(t, cam.id, row, want)
			starts, ends = append(starts, st...), append(ends, en...)
			if t.Failed() {
				var b strings.Builder
				for _, c := range log {
					fmt.Fprintf(&b, "\n  simcam %s %s", c.At.Format("15:04:05.000"), c.State)
				}
				evs, _ := s.events(cam.id, t0.Add(-10*time.Second), "health")
				for _, ev := range evs {
					fmt.Fprintf(&b, "\n  health %s %s/%s since %s (%s)", ev.Time.Format("15:04:05.000"), ev.Health.Status, ev.Health.Reason,
						ev.Health.Since.Format("15:04:05.000"), ev.Health.Detail)
				}
				t.Log(b.String())
			}
		})
	}
	t.Logf("error at outage start: median %s, max %s over %d outages", medianAbs(starts), maxAbs(starts), len(starts))
	t.Logf("error at outage end:   median %s, max %s over %d outages", medianAbs(ends), maxAbs(ends), len(ends))

	t.Run("flapping rule fired", func(t *testing.T) {
		body, err := s.get("/api/v1/alerts?camera=cam-flap&rule=e2e-flapping&from=" + url.QueryEscape(t0.Add(-time.Minute).UTC().Format(time.RFC3339)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), `"e2e-flapping"`) {
			t.Errorf("no e2e-flapping alert for cam-flap: %s", body)
		}
	})
}

// tryFault asks simcam's control endpoint for a fault; safe from any
// goroutine.
func (s *system) tryFault(camera string, kind simcam.FaultKind, d time.Duration) error {
	body := fmt.Sprintf(`{"kind":%q,"seconds":%g}`, kind, d.Seconds())
	resp, err := httpClient.Post(s.control+"/cameras/"+camera+"/fault", "application/json", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("fault %s %s: %w", kind, camera, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("fault %s %s: %s %s", kind, camera, resp.Status, b)
	}
	return nil
}

// stateLog is simcam's record of when camera's state changes took effect.
func (s *system) stateLog(camera string) ([]simcam.StateChange, error) {
	body, err := getURL(s.control+"/cameras/"+camera+"/log", "")
	if err != nil {
		return nil, err
	}
	var out struct {
		Changes []simcam.StateChange `json:"changes"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode state log: %w: %s", err, body)
	}
	if len(out.Changes) == 0 {
		return nil, fmt.Errorf("empty state log of %s", camera)
	}
	return out.Changes, nil
}

// cameraUptime is one camera's row of the uptime report for [from, to),
// with its outage list.
func (s *system) cameraUptime(t *testing.T, camera string, from, to time.Time) uptime.CameraSummary {
	t.Helper()
	q := url.Values{"camera": {camera}, "rows": {"cameras"}, "group": {"camera"},
		"from": {from.UTC().Format(time.RFC3339Nano)}, "to": {to.UTC().Format(time.RFC3339Nano)}}
	body, err := s.get("/api/v1/uptime?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var sum uptime.Summary
	if err := json.Unmarshal(body, &sum); err != nil || len(sum.Cameras) != 1 {
		t.Fatalf("report %s: %v", body, err)
	}
	return sum.Cameras[0]
}

// truth is what really happened to a camera in a window, from simcam's
// state log, in the report's terms.
type truth struct {
	start                     time.Time
	window                    time.Duration
	online, offline, degraded time.Duration
	outages                   []uptime.OutageSummary
}

func truthOf(log []simcam.StateChange, from, to time.Time) truth {
	tr := truth{start: from, window: to.Sub(from)}
	state := func(s simcam.State) string {
		switch s {
		case simcam.StateOnline:
			return "online"
		case simcam.StateFrozen:
			return "degraded"
		}
		return "offline" // offline, stalled, restarting
	}
	var cur *uptime.OutageSummary
	for i, c := range log {
		end := to
		if i+1 < len(log) {
			end = log[i+1].At
		}
		a, b := c.At, end
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if !a.Before(b) {
			continue
		}
		d := b.Sub(a)
		switch state(c.State) {
		case "online":
			tr.online += d
		case "degraded":
			tr.degraded += d
		case "offline":
			tr.offline += d
		}
		if state(c.State) == "offline" {
			if cur == nil {
				tr.outages = append(tr.outages, uptime.OutageSummary{From: a, Reason: string(c.State)})
				cur = &tr.outages[len(tr.outages)-1]
			}
			cur.To = b
			cur.DownS += d.Seconds()
		} else if cur != nil {
			cur.Resolved = true
			cur = nil
		}
	}
	return tr
}

func (tr truth) uptime() float64 {
	return 100 * tr.online.Seconds() / tr.window.Seconds()
}

func (tr truth) mttr() float64 {
	var sum float64
	n := 0
	for _, o := range tr.outages {
		if o.Resolved {
			sum += o.DownS
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// checkAccuracy compares a camera's report row with the truth and returns
// the signed errors at each outage's start and end (report minus truth).
func checkAccuracy(t *testing.T, camera string, row uptime.CameraSummary, want truth) (starts, ends []time.Duration) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: uptime %.3f%% (truth %.3f%%), offline %.2fs (%.2fs), degraded %.2fs (%.2fs), mttr %.2fs (%.2fs), monitored %.2fs",
		camera, row.UptimePercent, want.uptime(), row.OfflineS, want.offline.Seconds(), row.DegradedS, want.degraded.Seconds(),
		row.MTTRS, want.mttr(), row.MonitoredS)
	for i, o := range want.outages {
		fmt.Fprintf(&b, "\n  truth  %d: %s .. %s (%.2fs)", i, o.From.Format("15:04:05.000"), o.To.Format("15:04:05.000"), o.DownS)
	}
	for i, o := range row.OutageList {
		fmt.Fprintf(&b, "\n  report %d: %s .. %s (%.2fs, %s)", i, o.From.Format("15:04:05.000"), o.To.Format("15:04:05.000"), o.DownS, o.Reason)
	}
	t.Log(b.String())

	if math.Abs(row.MonitoredS-want.window.Seconds()) > 0.01 {
		t.Errorf("monitored %.3fs, want the window's %.3fs", row.MonitoredS, want.window.Seconds())
	}
	if len(row.OutageList) != len(want.outages) {
		t.Fatalf("%d outages reported, %d happened", len(row.OutageList), len(want.outages))
	}
	for i, o := range row.OutageList {
		w := want.outages[i]
		st, en, down := o.From.Sub(w.From), o.To.Sub(w.To), secs(o.DownS-w.DownS)
		checks := []struct {
			what string
			err  time.Duration
		}{{"start", st}}
		if !w.From.After(want.start) {
			checks = checks[:0] // under way when the window opened: clipped alike
		} else {
			starts = append(starts, st)
		}
		if w.Resolved {
			// An outage still open at the window's end has no end yet.
			ends = append(ends, en)
			checks = append(checks, []struct {
				what string
				err  time.Duration
			}{{"end", en}, {"length", down}}...)
		}
		for _, c := range checks {
			if c.err.Abs() > endTolerance {
				t.Errorf("outage %d: %s off by %s", i, c.what, c.err)
			}
		}
	}
	if d := secs(row.OfflineS) - want.offline; d.Abs() > endTolerance*time.Duration(max(1, len(want.outages))) {
		t.Errorf("offline off by %s", d)
	}
	if camera != "cam-flap" { // its ~16 outages add up: checked per outage only
		if d := row.UptimePercent - want.uptime(); math.Abs(d) > uptimeTolerance {
			t.Errorf("uptime off by %.3f pp", d)
		}
	}
	if d := secs(row.MTTRS - want.mttr()); d.Abs() > endTolerance {
		t.Errorf("MTTR off by %s", d)
	}
	switch camera {
	case "cam-stall":
		if len(row.OutageList) != 1 || row.OutageList[0].Reason != string(event.ReasonStalled) {
			t.Errorf("the stall is not one outage with reason stalled: %+v", row.OutageList)
		}
	case "cam-frozen":
		if d := secs(row.DegradedS) - want.degraded; d.Abs() > frozenTolerance {
			t.Errorf("frozen picture counted as %.2fs degraded, want %.2fs within %s", row.DegradedS, want.degraded.Seconds(), frozenTolerance)
		}
	}
	return starts, ends
}

// frozenTolerance bounds the error of degraded time for a frozen picture
// (docs/uptime.md): the tamper detector dates it from the first frozen
// frame to the first changed one, although it raises and clears it
// seconds later.
const frozenTolerance = endTolerance

func medianAbs(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	a := make([]time.Duration, len(ds))
	for i, d := range ds {
		a[i] = d.Abs()
	}
	slices.Sort(a)
	return a[len(a)/2].Round(time.Millisecond)
}

func maxAbs(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d.Abs())
	}
	return m.Round(time.Millisecond)
}

package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/simcam"
)

func printWelcome(w io.Writer, base, metrics string, cams *simcam.Server, ecfg *configs.Edge, users []demoUser) {
	fmt.Fprintf(w, `
camwatch demo is running: %d simulated cameras -> edge agent -> NATS JetStream -> aggregator -> Redis

  Web console (vi/en)       %[2]s/console/  (sign in with a user below)
  Cameras and their state   %[2]s/api/v1/cameras
  One camera's events       %[2]s/api/v1/sites/%[5]s/cameras/bn-leloi-02/events?kind=motion.start,motion.end
  Live alert feed (SSE)     %[2]s/api/v1/alerts/stream
  Uptime by program         %[2]s/api/v1/uptime?group=program&window=24h
  Prometheus metrics        %[4]s/metrics
  Readiness                 %[2]s/readyz
  Fault injection           curl -X POST -d '{"kind":"offline","seconds":20}' %[3]s/cameras/ht42-hall/fault
`, len(ecfg.Cameras), base, cams.ControlURL(), metrics, ecfg.Site)
	fmt.Fprintf(w, `
Demo users, one per role (passwords are new every run; nothing else has an account):
`)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  USER\tPASSWORD\tROLE\tSCOPE")
	for _, u := range users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Name, u.Password, u.Role, u.Scope.String())
	}
	tw.Flush()
	fmt.Fprintf(w, `The API takes the console's session or an API token (camwatch token create).
From a shell, sign in (here as %[1]s) and send the cookie:
  curl -s -c jar -H 'Content-Type: application/json' -d '{"user":"%[1]s","password":"%[2]s"}' %[3]s/api/v1/session
  curl -s -b jar %[3]s/api/v1/cameras
`, signInAs(users).Name, signInAs(users).Password, base)
	fmt.Fprintf(w, `
bn-leloi-02 and tdp7-alley-01 see a person walk by every 20 s; tdp7-alley-02
drops offline for 40 s every 3 minutes (the first time 20 s in). The uptime
charts and the program review start with a GENERATED month of history before
this run (made up, not measured; every console page says so). A camera table
follows every 15 s. Press Ctrl-C to stop.

`)
}

// signInAs is the demo user the banner's curl lines sign in as: the
// operator (the README's example), else the first.
func signInAs(users []demoUser) demoUser {
	for _, u := range users {
		if u.Name == "operator" {
			return u
		}
	}
	if len(users) == 0 {
		return demoUser{Name: "operator", Password: "<password>"}
	}
	return users[0]
}

// cameraRow is the part of GET /api/v1/cameras the table shows.
type cameraRow struct {
	ID     string  `json:"id"`
	Status string  `json:"status"`
	Reason string  `json:"reason"`
	FPS    float64 `json:"fps"`
	Kbps   float64 `json:"bitrate_kbps"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
	Motion bool    `json:"motion"`
	Labels struct {
		Program string `json:"program"`
	} `json:"labels"`
}

// statusCell is the table's STATUS: the status and, when there is one,
// its reason, so an online camera with a picture fault (frozen, black,
// no_frames) reads "online (frozen)", never plain "online".
func statusCell(c cameraRow) string {
	if c.Reason == "" {
		return c.Status
	}
	return c.Status + " (" + c.Reason + ")"
}

// printStatus prints the camera table, stamped in the site's time zone.
func printStatus(ctx context.Context, w io.Writer, base, token string, loc *time.Location) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/cameras", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(w, "status: %v\n", err)
		return
	}
	defer resp.Body.Close()
	var body struct {
		Cameras []cameraRow `json:"cameras"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		fmt.Fprintf(w, "status: %v\n", err)
		return
	}
	sort.Slice(body.Cameras, func(i, j int) bool { return body.Cameras[i].ID < body.Cameras[j].ID })
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "\n%s\tCAMERA\tPROGRAM\tSTATUS\tFPS\tKBIT/S\tSIZE\tMOTION\n", time.Now().In(loc).Format("15:04:05 MST"))
	for _, c := range body.Cameras {
		st := statusCell(c)
		motion := ""
		if c.Motion {
			motion = "MOTION"
		}
		fmt.Fprintf(tw, "\t%s\t%s\t%s\t%.1f\t%.0f\t%dx%d\t%s\n", c.ID, c.Labels.Program, st, c.FPS, c.Kbps, c.Width, c.Height, motion)
	}
	tw.Flush()
}

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/signing"
	"github.com/camwatch/camwatch/testenv"
	"github.com/chromedp/chromedp"
)

// evidenceSystem runs simcam → edge (clips on for cam-walk) → NATS (with
// the clips object store) → aggregator (with an evidence key) → Redis.
func evidenceSystem(t *testing.T) (*system, string) {
	dir := t.TempDir()
	key := filepath.Join(dir, "evidence.key")
	if out, err := exec.Command(binPath, "keygen", "-out", key).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	s := startSystemWith(t, setup{
		cameras:  []camSpec{{"cam-walk", "walk-320x240"}, {"cam-static", "static-320x240"}},
		camExtra: map[string]camExtra{"cam-walk": {edge: "    clips: {enabled: true, pre_roll: 2s, post_roll: 2s}\n"}},
		aggExtra: fmt.Sprintf("evidence: {key: %q, clips_max_bytes: 67108864, hold_sync: 2s}\n", key),
	})
	return s, key
}

// TestEvidence: a walk produces a motion event with a snapshot and a
// clip whose digest the edge recorded; the clip plays (ffprobe reads it,
// its duration within a frame of what the event says); a case over the
// cameras exports with the command line and verifies offline against the
// deployment's key; a tampered copy does not; the coverage shows the
// outage of a camera taken offline.
func TestEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	s, _ := evidenceSystem(t)
	t0 := time.Now()
	s.waitStatus("cam-static", "online", 20*time.Second)
	// A coverage gap: cam-static offline for 4 s.
	s.fault("cam-static", "offline", 4)

	var clipEv, motion event.Event
	testenv.Eventually(t, 90*time.Second, func() error {
		evs, err := s.events("cam-walk", t0, "clip", "motion.start")
		if err != nil {
			return err
		}
		starts := map[string]event.Event{}
		for _, e := range evs {
			if e.Kind == event.KindMotionStart {
				starts[e.ID] = e
			}
		}
		for _, e := range evs {
			if e.Kind == event.KindClip {
				if m, ok := starts[e.Clip.Motion]; ok {
					clipEv, motion = e, m
					return nil
				}
			}
		}
		return fmt.Errorf("no clip event yet among %d events", len(evs))
	})
	if motion.Snapshot == nil || motion.Snapshot.SHA256 == "" {
		t.Fatalf("the motion start has no snapshot digest: %+v", motion)
	}
	c := clipEv.Clip
	if c.Object != event.ClipObject("e2e", agentID, "cam-walk", motion.ID) || c.Codec != "h264" || c.Frames < 30 {
		t.Fatalf("clip %+v", c)
	}
	// The clip plays, with the right type and ranges.
	body, err := s.get("/api/v1/events/" + motion.ID + "/clip")
	if err != nil {
		t.Fatal(err)
	}
	mp4 := filepath.Join(s.dir, "clip.mp4")
	os.WriteFile(mp4, body, 0o600)
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries", "format=duration:stream=nb_read_frames", "-of", "json", mp4).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var p struct {
		Format  struct{ Duration string }
		Streams []struct {
			Frames string `json:"nb_read_frames"`
		}
	}
	json.Unmarshal(out, &p)
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	frame := 1.0 / 15
	if want := float64(c.DurationMS) / 1000; d < want-frame || d > want+frame || len(p.Streams) != 1 || p.Streams[0].Frames != strconv.Itoa(c.Frames) {
		t.Fatalf("ffprobe: %s s, %v; the event says %.3f s, %d frames", p.Format.Duration, p.Streams, want, c.Frames)
	}
	if span := c.End.Sub(c.Start).Seconds(); span < d-frame || span > d+frame {
		t.Fatalf("the clip spans %.3f s, ffprobe says %.3f", span, d)
	}

	// An investigator of the program opens a case and exports it.
	inv := s.createToken("inv", "investigator", "program=e2e-program")
	s.waitStatus("cam-static", "online", 30*time.Second)
	caseBody := fmt.Sprintf(`{"number":"E2E-1","title":"walker","reason":"test","programs":["e2e-program"],"from":%q,"to":%q}`,
		t0.Add(-time.Minute).UTC().Format(time.RFC3339), time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	req, _ := http.NewRequest("POST", s.apiBase+"/api/v1/cases", strings.NewReader(caseBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+inv)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var opened struct {
		ID   string
		Held struct{ Clips, Snapshots int }
	}
	if resp.StatusCode != 201 || json.Unmarshal(cb, &opened) != nil || opened.Held.Clips < 1 || opened.Held.Snapshots < 1 {
		t.Fatalf("open case: %d %s", resp.StatusCode, cb)
	}
	pub := filepath.Join(s.dir, "evidence-pub.pem")
	keyOut, err := exec.Command(binPath, "evidence", "key", "-server", s.apiBase).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pub, keyOut, 0o600)
	bundle := filepath.Join(s.dir, "case.zip")
	cmd := exec.Command(binPath, "evidence", "export", "-server", s.apiBase, "-case", opened.ID, "-reason", "e2e court request", "-o", bundle)
	cmd.Env = append(os.Environ(), "CAMWATCH_TOKEN="+inv)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "verified") {
		t.Fatalf("evidence export: %v %s %s", err, out, stderr.String())
	}
	if !strings.Contains(stderr.String(), "bytes") {
		t.Fatalf("no progress shown: %q", stderr.String())
	}
	if out, err := exec.Command(binPath, "evidence", "verify", bundle, "-key", pub).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "VERIFIED") {
		t.Fatalf("verify: %v %s", err, out)
	}
	// The clip in the bundle has the edge's digest, and a changed byte
	// of it fails verification, naming it.
	raw, _ := os.ReadFile(bundle)
	i := bytes.Index(raw, body[len(body)/2:len(body)/2+64])
	if i < 0 {
		t.Fatal("the clip's bytes are not in the bundle")
	}
	raw[i] ^= 1
	bad := filepath.Join(s.dir, "tampered.zip")
	os.WriteFile(bad, raw, 0o600)
	if out, err := exec.Command(binPath, "evidence", "verify", bad, "-key", pub).CombinedOutput(); err == nil || !strings.Contains(string(out), "clips/"+motion.ID+".mp4") {
		t.Fatalf("a tampered bundle: %v %s", err, out)
	}
	// The other tampered copies the issue names, each refused naming
	// what does not match: a file removed, a file added, the manifest
	// edited, the manifest re-signed by another key, the ZIP cut off.
	good, _ := os.ReadFile(bundle)
	otherKey := filepath.Join(s.dir, "other.key")
	if out, err := exec.Command(binPath, "keygen", "-out", otherKey).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v %s", err, out)
	}
	snap := "snapshots/" + motion.ID + ".jpg"
	for _, c := range []struct {
		name, want string
		bundle     []byte
	}{
		{"a file removed", snap + " is in the manifest but not in the archive", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == snap {
				return nil
			}
			return d
		}, nil)},
		{"a file added", "snapshots/extra.jpg is in the archive but not in the manifest", testenv.RewriteZip(t, good, nil, map[string][]byte{"snapshots/extra.jpg": []byte("\xff\xd8")})},
		{"the manifest edited", "manifest.sig does not match manifest.json", testenv.RewriteZip(t, good, func(name string, d []byte) []byte {
			if name == "manifest.json" {
				return bytes.Replace(d, []byte(`"E2E-1"`), []byte(`"E2E-2"`), 1)
			}
			return d
		}, nil)},
		{"the manifest signed by another key", "manifest.sig does not match manifest.json", resign(t, good, otherKey)},
		{"the ZIP cut off", "not a whole ZIP archive", good[:len(good)-100]},
	} {
		f := filepath.Join(s.dir, "tampered-"+strings.ReplaceAll(c.name, " ", "-")+".zip")
		os.WriteFile(f, c.bundle, 0o600)
		if out, err := exec.Command(binPath, "evidence", "verify", f, "-key", pub).CombinedOutput(); err == nil || !strings.Contains(string(out), "NOT VERIFIED: ") || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: %v %s", c.name, err, out)
		}
	}
	// Coverage: cam-static has an offline stretch.
	tl, err := getURL(s.apiBase+"/api/v1/timeline?camera=cam-static,cam-walk&from="+t0.UTC().Format(time.RFC3339), inv)
	if err != nil {
		t.Fatal(err)
	}
	var timeline struct {
		Cameras []struct {
			ID       string
			Coverage []struct{ State, Reason string }
		}
	}
	json.Unmarshal(tl, &timeline)
	gap := false
	for _, c := range timeline.Cameras {
		for _, iv := range c.Coverage {
			gap = gap || c.ID == "cam-static" && iv.State == "offline"
		}
	}
	if !gap {
		t.Fatalf("no offline interval for cam-static: %s", tl)
	}

	// The investigation page in Chromium, as an investigator signed in.
	add := exec.Command(binPath, "user", "add", "-config", s.aggConfig, "-role", "investigator", "-scope", "program=e2e-program", "-password-stdin", "lan")
	add.Stdin = strings.NewReader("investigator-password-1\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	ctx := chrome(t)
	login(t, ctx, s.apiBase, "lan", "investigator-password-1")
	from, to := t0.Add(-30*time.Second), time.Now().Add(10*time.Second)
	page := s.apiBase + "/console/#/investigate?program=e2e-program&from=" + from.UTC().Format(time.RFC3339) + "&to=" + to.UTC().Format(time.RFC3339)
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "two lanes", `document.querySelectorAll("#lanes .lane[data-camera]").length === 2`)
	until(t, ctx, "the coverage gap of cam-static", `document.querySelector('.lane[data-camera="cam-static"] .seg[data-state="offline"]')`)
	until(t, ctx, "a motion mark on cam-walk", `document.querySelector('.lane[data-camera="cam-walk"] .mark.snap[data-event="`+motion.ID+`"]')`)
	// The mark sits where the walker passed, the gap where the camera was off.
	left := evaluate[float64](t, ctx, `parseFloat(document.querySelector('.mark[data-event="`+motion.ID+`"]').style.left)`)
	want := float64(motion.Time.Sub(from)) / float64(to.Sub(from)) * 100
	if left < want-2 || left > want+2 {
		t.Fatalf("the mark is at %.1f %%, the motion at %.1f %%", left, want)
	}
	gapLeft := evaluate[float64](t, ctx, `parseFloat(document.querySelector('.lane[data-camera="cam-static"] .seg[data-state="offline"]').style.left)`)
	if wantGap := float64(t0.Sub(from)) / float64(to.Sub(from)) * 100; gapLeft < wantGap-3 || gapLeft > wantGap+5 {
		t.Fatalf("the gap starts at %.1f %%, the outage at %.1f %%", gapLeft, wantGap)
	}
	// Clicking the mark shows its snapshot large, and its clip.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.mark[data-event="`+motion.ID+`"]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "the large snapshot", `document.querySelector("#mark-dialog[open] #mark-snapshot").naturalWidth > 0`)
	until(t, ctx, "the clip", `document.querySelector("#mark-dialog #mark-clip").readyState >= 1`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#mark-dialog button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	// Zoom to five minutes: the visible window shrinks, the lanes stay.
	before := evaluate[string](t, ctx, `document.querySelector("#visible").textContent`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-zoom="1"]`))); err != nil {
		t.Fatal(err)
	}
	until(t, ctx, "zoomed to a minute", `document.querySelector('button[data-zoom="1"]').getAttribute("aria-pressed") === "true" && document.querySelectorAll("#lanes .lane[data-camera]").length === 2`)
	if after := evaluate[string](t, ctx, `document.querySelector("#visible").textContent`); after == before {
		t.Fatalf("the visible window did not change: %s", after)
	}
	until(t, ctx, "the case in the list", `document.querySelector('#cases li[data-case="`+opened.ID+`"]')`)
}

// resign replaces a bundle's manifest signature by one of the key in
// keyFile (camwatch keygen's PEM), the manifest's bytes unchanged.
func resign(t *testing.T, b []byte, keyFile string) []byte {
	t.Helper()
	key, err := signing.LoadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var manifest []byte
	testenv.RewriteZip(t, b, func(name string, d []byte) []byte {
		if name == "manifest.json" {
			manifest = d
		}
		return d
	}, nil)
	return testenv.RewriteZip(t, b, func(name string, d []byte) []byte {
		if name == "manifest.sig" {
			return key.SignRaw(manifest)
		}
		return d
	}, nil)
}

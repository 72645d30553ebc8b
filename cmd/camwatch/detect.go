package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/edge"
	"github.com/camwatch/camwatch/motion"
)

// detectReport is `camwatch detect -json`'s document: what the camera's
// detector would have reported on the clip.
type detectReport struct {
	Clip      string           `json:"clip"`
	Detector  string           `json:"detector"`
	Frames    int              `json:"frames"`
	DurationS float64          `json:"duration_s"`
	Intervals []detectInterval `json:"intervals"`
	// Tamper lists picture faults (pixel and gate detectors only).
	Tamper []tamperFinding `json:"tamper"`
}

// tamperFinding is one picture fault in seconds from the clip's start;
// EndS is absent when the fault lasted to the end of the clip.
type tamperFinding struct {
	Kind   motion.TamperKind `json:"kind"`
	StartS float64           `json:"start_s"`
	EndS   *float64          `json:"end_s,omitempty"`
}

// detectInterval is one motion interval in seconds from the clip's start.
type detectInterval struct {
	StartS    float64  `json:"start_s"`
	EndS      float64  `json:"end_s"`
	PeakScore float64  `json:"peak_score"`
	Zones     []string `json:"zones"`
}

// runDetect runs a camera's motion detector on a recorded clip, so a
// technician can tune settings on footage before deploying them.
func runDetect(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "a camera's motion settings (the keys of a motion: section); defaults without it")
	asJSON := fs.Bool("json", false, "print one JSON document instead of a table")
	rate := fs.Float64("clip-fps", 0, "frame rate of a raw .h264/.h265 clip (default 15)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: detect [-config CAMERA.yaml] [-json] CLIP", errUsage)
	}
	clip := fs.Arg(0)
	var m configs.Motion
	if *cfgPath != "" {
		if err := configs.Load(*cfgPath, &m); err != nil {
			return err
		}
	} else if err := m.Validate(); err != nil {
		return err
	}
	if m.Detector == "off" {
		return fmt.Errorf("%w: motion.detector is off in %s", errUsage, *cfgPath)
	}
	rep, err := detectClip(clip, m, *rate)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s: %s detector, %d frames, %.1fs\n", rep.Clip, rep.Detector, rep.Frames, rep.DurationS)
	fmt.Fprintln(tw, "START_S\tEND_S\tPEAK\tZONES")
	for _, iv := range rep.Intervals {
		fmt.Fprintf(tw, "%.1f\t%.1f\t%.2f\t%s\n", iv.StartS, iv.EndS, iv.PeakScore, strings.Join(iv.Zones, ","))
	}
	if len(rep.Intervals) == 0 {
		fmt.Fprintln(tw, "(no motion)")
	}
	if rep.Detector != "compressed" {
		fmt.Fprintln(tw, "TAMPER\tSTART_S\tEND_S")
		for _, f := range rep.Tamper {
			end := "(to the end)"
			if f.EndS != nil {
				end = fmt.Sprintf("%.1f", *f.EndS)
			}
			fmt.Fprintf(tw, "%s\t%.1f\t%s\n", f.Kind, f.StartS, end)
		}
		if len(rep.Tamper) == 0 {
			fmt.Fprintln(tw, "(no picture fault)")
		}
	}
	return tw.Flush()
}

// clipStart is the clip's time origin; any fixed instant works.
var clipStart = time.Unix(0, 0).UTC()

// intervals collects transitions into intervals relative to the clip.
type intervals struct {
	list  []detectInterval
	zones []zoneHit
}

type zoneHit struct {
	t     time.Time
	zones []string
}

func (iv *intervals) moving(t time.Time, zones []string) {
	if len(zones) > 0 {
		iv.zones = append(iv.zones, zoneHit{t, slices.Clone(zones)})
	}
}

func (iv *intervals) add(tr motion.Transition) {
	if tr.Kind != motion.End {
		return
	}
	var zones []string
	for _, h := range iv.zones {
		if h.t.Before(tr.Started) || h.t.After(tr.At) {
			continue
		}
		for _, z := range h.zones {
			if !slices.Contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	iv.zones = iv.zones[:0]
	iv.list = append(iv.list, detectInterval{
		StartS:    round3(tr.Started.Sub(clipStart).Seconds()),
		EndS:      round3(tr.At.Sub(clipStart).Seconds()),
		PeakScore: round3(tr.Score),
		Zones:     zones,
	})
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

// rawCodec tells a raw Annex-B clip by its extension.
func rawCodec(path string) (decode.Codec, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h264", ".264", ".avc":
		return decode.H264, true
	case ".h265", ".265", ".hevc":
		return decode.H265, true
	}
	return "", false
}

func detectClip(path string, m configs.Motion, rate float64) (detectReport, error) {
	rep := detectReport{Clip: filepath.Base(path), Detector: m.Detector, Intervals: []detectInterval{}, Tamper: []tamperFinding{}}
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("detect: %w", err)
	}
	codec, raw := rawCodec(path)
	if m.Detector == "compressed" {
		if !raw {
			return rep, fmt.Errorf("%w: the compressed detector needs a raw .h264 or .h265 clip", errUsage)
		}
		return detectCompressed(path, codec, m, rate, rep)
	}
	px, err := motion.NewPixel(edge.PixelConfig(m))
	if err != nil {
		return rep, err
	}
	tamper, err := motion.NewTamper(motion.TamperConfig{})
	if err != nil {
		return rep, err
	}
	open := map[motion.TamperKind]int{} // kind -> index in rep.Tamper
	noteTamper := func(changes []motion.TamperChange) {
		for _, c := range changes {
			if c.Active {
				open[c.Kind] = len(rep.Tamper)
				rep.Tamper = append(rep.Tamper, tamperFinding{Kind: c.Kind, StartS: round3(c.Since.Sub(clipStart).Seconds())})
				continue
			}
			if i, ok := open[c.Kind]; ok {
				end := round3(c.At.Sub(clipStart).Seconds())
				rep.Tamper[i].EndS = &end
				delete(open, c.Kind)
			}
		}
	}
	var iv intervals
	var last time.Time
	observe := func(f motion.Frame) {
		rep.Frames++
		last = f.Time
		noteTamper(tamper.Observe(f))
		res, tr, ok := px.Observe(f)
		if res.Moving {
			iv.moving(f.Time, res.Zones)
		}
		if ok {
			iv.add(tr)
		}
	}
	if raw {
		err = decodeRaw(path, codec, m, rate, observe)
	} else {
		err = decodeFFmpeg(path, m, observe)
	}
	if err != nil {
		return rep, err
	}
	if tr, ok := px.Stop(); ok {
		iv.add(tr)
	}
	rep.Intervals = append(rep.Intervals, iv.list...)
	rep.DurationS = round3(last.Sub(clipStart).Seconds())
	return rep, nil
}

// clipRate is a raw clip's frame rate: the flag, else 15 (raw H.264 from
// cameras rarely carries timing).
func clipRate(rate float64) float64 {
	if rate > 0 {
		return rate
	}
	return 15
}

func frameTime(i int, rate float64) time.Time {
	return clipStart.Add(time.Duration(float64(i) / rate * float64(time.Second)))
}

func decodeRaw(path string, codec decode.Codec, m configs.Motion, rate float64, fn func(motion.Frame)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	aus := decode.SplitAccessUnits(data, codec)
	if len(aus) == 0 {
		return fmt.Errorf("%w: %s holds no %s access units", errUsage, path, codec)
	}
	d, err := decode.New(decode.Config{Codec: codec, FPS: m.DetectFPS, Width: m.DetectWidth})
	if err != nil {
		return err
	}
	defer d.Close()
	r := clipRate(rate)
	for i, au := range aus {
		f, ok, err := d.Decode(au, frameTime(i, r))
		if err != nil {
			continue // counted in Stats; the decoder resumes at the next keyframe
		}
		if ok {
			fn(f)
		}
	}
	if s := d.Stats(); s.Out == 0 {
		return fmt.Errorf("%w: %s: no picture decoded (%d access units, %d errors)", errUsage, path, s.In, s.Errors)
	}
	return nil
}

// decodeFFmpeg reads any other container through an ffmpeg subprocess
// that already scales and resamples to the detect rate and width.
func decodeFFmpeg(path string, m configs.Motion, fn func(motion.Frame)) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probe, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		return fmt.Errorf("%w: ffprobe %s: %v", errUsage, path, err)
	}
	var sw, sh int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(probe)), "%d,%d", &sw, &sh); err != nil || sw <= 0 || sh <= 0 {
		return fmt.Errorf("%w: %s has no video stream", errUsage, path)
	}
	w := min(m.DetectWidth, sw)
	h := max(1, (sh*w+sw/2)/sw)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-an",
		"-vf", fmt.Sprintf("fps=%g,scale=%d:%d", m.DetectFPS, w, h),
		"-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("detect: start ffmpeg: %w", err)
	}
	r := bufio.NewReaderSize(stdout, w*h)
	buf := make([]byte, w*h)
	for i := 0; ; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return fmt.Errorf("detect: read ffmpeg: %w", err)
		}
		fn(motion.Frame{Width: w, Height: h, Gray: buf, Time: frameTime(i, m.DetectFPS)})
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("detect: ffmpeg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func detectCompressed(path string, codec decode.Codec, m configs.Motion, rate float64, rep detectReport) (detectReport, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return rep, fmt.Errorf("detect: %w", err)
	}
	det, err := motion.New(edge.CompressedConfig(m))
	if err != nil {
		return rep, err
	}
	var iv intervals
	r := clipRate(rate)
	aus := decode.SplitAccessUnits(data, codec)
	for i, au := range aus {
		if tr, ok := det.Observe(frameTime(i, r), len(au), decode.Keyframe(au, codec)); ok {
			iv.add(tr)
		}
	}
	if tr, ok := det.Stop(); ok {
		iv.add(tr)
	}
	rep.Frames = len(aus)
	rep.Intervals = append(rep.Intervals, iv.list...)
	if len(aus) > 0 {
		rep.DurationS = round3(frameTime(len(aus)-1, r).Sub(clipStart).Seconds())
	}
	return rep, nil
}

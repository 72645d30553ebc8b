package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/detect"
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

// runDetect runs a camera's motion detection on a recorded clip, so a
// technician can tune settings on footage before deploying them: the
// clip goes through the same pipeline as the camera's live stream.
func runDetect(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "a camera's motion settings (the keys of a motion: section); defaults without it")
	asJSON := fs.Bool("json", false, "print one JSON document instead of a table")
	rate := fs.Float64("clip-fps", 0, "frame rate of the clip (default: the container's; 15 for a raw .h264/.h265 clip)")
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

func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }

func clipSeconds(t time.Time) float64 { return round3(t.Sub(clipStart).Seconds()) }

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

// detectClip runs the clip through the detection pipeline the edge agent
// runs for a camera with the motion settings m (package detect: the same
// gate, auto judgement, decoder and detectors), as a camera sending it at
// its frame rate.
func detectClip(path string, m configs.Motion, rate float64) (detectReport, error) {
	rep := detectReport{Clip: filepath.Base(path), Detector: m.Detector, Intervals: []detectInterval{}, Tamper: []tamperFinding{}}
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("detect: %w", err)
	}
	clip, err := loadClip(path, rate)
	if err != nil {
		return rep, err
	}
	cfg, ok := detect.FromMotion(m)
	if !ok {
		return rep, fmt.Errorf("%w: motion.detector is off", errUsage)
	}
	p, err := detect.New(cfg, detect.Options{})
	if err != nil {
		return rep, err
	}
	defer p.Close()
	p.Start(clip.Codec, nil)
	open := map[motion.TamperKind]int{} // kind -> index in rep.Tamper
	decoded := 0
	handle := func(r *detect.Result, tamper bool) {
		decoded += r.Frames
		for _, tr := range r.Motion {
			if tr.Kind != motion.End {
				continue
			}
			rep.Intervals = append(rep.Intervals, detectInterval{
				StartS: clipSeconds(tr.Started), EndS: clipSeconds(tr.At), PeakScore: round3(tr.Score), Zones: tr.Zones,
			})
		}
		if !tamper {
			return
		}
		for _, c := range r.Tamper {
			if c.Active {
				open[c.Kind] = len(rep.Tamper)
				rep.Tamper = append(rep.Tamper, tamperFinding{Kind: c.Kind, StartS: clipSeconds(c.Since)})
				continue
			}
			if i, ok := open[c.Kind]; ok {
				end := clipSeconds(c.At)
				rep.Tamper[i].EndS = &end
				delete(open, c.Kind)
			}
		}
	}
	end := clip.Play(p, clipStart, 1, func(_ time.Time, r *detect.Result) { handle(r, true) })
	// A fault still raised at the end lasted to the end: its clearing by
	// Stop is not reported.
	handle(p.Stop(end), false)
	rep.Frames = decoded
	if !p.Decodes() {
		rep.Frames = len(clip.Units)
	} else if decoded == 0 {
		return rep, fmt.Errorf("%w: %s: no picture decoded (%d access units)", errUsage, path, len(clip.Units))
	}
	rep.DurationS = round3((clip.Duration() - time.Duration(float64(time.Second)/clip.FPS)).Seconds())
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

// loadClip reads a raw Annex-B clip, or demuxes any container ffmpeg
// reads (MP4, MKV, a camera's export) to one without re-encoding: the
// pipeline sees the camera's own access units either way.
func loadClip(path string, rate float64) (detect.Clip, error) {
	if codec, raw := rawCodec(path); raw {
		data, err := os.ReadFile(path)
		if err != nil {
			return detect.Clip{}, fmt.Errorf("detect: %w", err)
		}
		c, err := detect.NewClip(data, codec, clipRate(rate), path)
		if err != nil {
			return c, fmt.Errorf("%w: %w", errUsage, err)
		}
		return c, nil
	}
	return demux(path, rate)
}

// demux copies a container's first video stream out as Annex-B with
// ffmpeg; its frame rate is the container's unless -clip-fps says
// otherwise.
func demux(path string, rate float64) (detect.Clip, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probe, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,avg_frame_rate,r_frame_rate", "-of", "json", path).Output()
	if err != nil {
		return detect.Clip{}, fmt.Errorf("%w: ffprobe %s: %v", errUsage, path, err)
	}
	var info struct {
		Streams []struct {
			Codec string `json:"codec_name"`
			Avg   string `json:"avg_frame_rate"`
			R     string `json:"r_frame_rate"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(probe, &info); err != nil || len(info.Streams) == 0 {
		return detect.Clip{}, fmt.Errorf("%w: %s has no video stream", errUsage, path)
	}
	st := info.Streams[0]
	var codec decode.Codec
	var bsf, format string
	switch st.Codec {
	case "h264":
		codec, bsf, format = decode.H264, "h264_mp4toannexb", "h264"
	case "hevc":
		codec, bsf, format = decode.H265, "hevc_mp4toannexb", "hevc"
	default:
		return detect.Clip{}, fmt.Errorf("%w: %s is %s video; camwatch reads H.264 and H.265", errUsage, path, st.Codec)
	}
	if rate <= 0 {
		rate = ratio(st.Avg)
		if rate <= 0 {
			rate = ratio(st.R)
		}
	}
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0",
		"-c:v", "copy", "-bsf:v", bsf, "-f", format, "pipe:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	data, err := cmd.Output()
	if err != nil {
		return detect.Clip{}, fmt.Errorf("detect: ffmpeg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	c, err := detect.NewClip(data, codec, clipRate(rate), path)
	if err != nil {
		return c, fmt.Errorf("%w: %w", errUsage, err)
	}
	return c, nil
}

// ratio reads ffprobe's "num/den" frame rates; 0 when unknown.
func ratio(s string) float64 {
	var n, d float64
	if _, err := fmt.Sscanf(s, "%g/%g", &n, &d); err != nil || d <= 0 {
		return 0
	}
	return n / d
}

package simcam

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

//go:embed testdata/clips
var clipFS embed.FS

const clipDir = "testdata/clips"

// ErrUnknownClip is returned for a clip that is neither built in nor a
// readable file, so a typo in a config fails at start-up.
var ErrUnknownClip = errors.New("unknown clip")

// ErrBadClip is returned for a file that holds no playable H.264 (no SPS,
// PPS or IDR picture), because a camera that never sends a keyframe would
// look like a client bug rather than a bad file.
var ErrBadClip = errors.New("not a playable raw H.264 or H.265 clip")

// ClipInfo describes a built-in clip and its ground truth, so tests of
// motion detection can compare what they see with what the clip shows.
type ClipInfo struct {
	Name string `json:"name"`
	// File is the clip's file in testdata/clips; default NAME.h264.
	File string `json:"file,omitempty"`
	// Codec is h264 (the default) or h265.
	Codec   string  `json:"codec,omitempty"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	FPS     int     `json:"fps"`
	Seconds float64 `json:"seconds"`
	// Motion lists [from, to] intervals in seconds from the clip's start
	// during which something moves; outside them nothing does.
	Motion [][2]float64 `json:"motion"`
}

// Clips lists the built-in clips (see testdata/make-clips.sh).
func Clips() []ClipInfo {
	b, err := clipFS.ReadFile(clipDir + "/clips.json")
	if err != nil {
		return nil
	}
	var list []ClipInfo
	if err := json.Unmarshal(b, &list); err != nil {
		return nil
	}
	return list
}

// LookupClip returns a built-in clip's description.
func LookupClip(name string) (ClipInfo, bool) {
	i := slices.IndexFunc(Clips(), func(c ClipInfo) bool { return c.Name == name })
	if i < 0 {
		return ClipInfo{}, false
	}
	return Clips()[i], true
}

// ClipData returns the raw Annex-B bytes of a built-in clip or, when ref is
// not a built-in name, of the file at path ref; tests of decoders and
// detectors use it to get the exact bytes a camera serves.
func ClipData(ref string) ([]byte, error) {
	if info, ok := LookupClip(ref); ok {
		file := info.File
		if file == "" {
			file = ref + ".h264"
		}
		b, err := clipFS.ReadFile(path.Join(clipDir, file))
		if err != nil {
			return nil, fmt.Errorf("clip %q: %w", ref, err)
		}
		return b, nil
	}
	b, err := os.ReadFile(ref)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("clip %q: %w", ref, ErrUnknownClip)
		}
		return nil, fmt.Errorf("clip %q: %w", ref, err)
	}
	return b, nil
}

// ClipCodec is the codec of a built-in clip, or of a file by its extension
// (.h265, .265, .hevc: H.265; anything else H.264).
func ClipCodec(ref string) string {
	if info, ok := LookupClip(ref); ok {
		if info.Codec != "" {
			return info.Codec
		}
		return "h264"
	}
	switch strings.ToLower(path.Ext(ref)) {
	case ".h265", ".265", ".hevc":
		return "h265"
	}
	return "h264"
}

// frame is one access unit ready to packetize: AUD, SEI and filler are
// removed and an IDR always carries SPS and PPS in band.
type frame struct {
	nalus [][]byte
	idr   bool
}

// clip is a parsed clip: parameter sets for the SDP and the frames in order,
// starting with an IDR.
type clip struct {
	name          string
	hevc          bool
	vps, sps, pps []byte // vps for H.265 only
	frames        []frame
}

func loadClip(ref string) (*clip, error) {
	b, err := ClipData(ref)
	if err != nil {
		return nil, err
	}
	c, err := parseClipCodec(b, ClipCodec(ref) == "h265")
	if err != nil {
		return nil, fmt.Errorf("clip %q: %w", ref, err)
	}
	c.name = ref
	return c, nil
}

func parseClip(b []byte) (*clip, error) { return parseClipCodec(b, false) }

// parseClipCodec parses an H.264 or (hevc) H.265 clip.
func parseClipCodec(b []byte, hevc bool) (*clip, error) {
	c := &clip{hevc: hevc}
	for _, au := range groupUnits(splitAnnexB(b), hevc) {
		var f frame
		hasSPS := false
		for _, n := range au {
			switch kindOf(n, hevc) {
			case kindAUD, kindSEI:
				continue
			case kindVPS:
				if c.vps == nil {
					c.vps = n
				}
			case kindSPS:
				hasSPS = true
				if c.sps == nil {
					c.sps = n
				}
			case kindPPS:
				if c.pps == nil {
					c.pps = n
				}
			case kindKey:
				f.idr = true
			}
			f.nalus = append(f.nalus, n)
		}
		if len(c.frames) == 0 && !f.idr {
			continue // a stream must start with a keyframe
		}
		if f.idr && !hasSPS && c.sps != nil && c.pps != nil {
			sets := [][]byte{c.sps, c.pps}
			if hevc {
				sets = [][]byte{c.vps, c.sps, c.pps}
			}
			f.nalus = append(sets, f.nalus...)
		}
		c.frames = append(c.frames, f)
	}
	if c.sps == nil || c.pps == nil || len(c.frames) == 0 || (hevc && c.vps == nil) {
		return nil, ErrBadClip
	}
	return c, nil
}

// nextIDR returns the index of the first IDR frame at or after i, wrapping.
func (c *clip) nextIDR(i int) int {
	for k := range c.frames {
		j := (i + k) % len(c.frames)
		if c.frames[j].idr {
			return j
		}
	}
	return 0
}

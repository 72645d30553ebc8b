package quality

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadPeerEvents reads another detector's motion intervals, one per line:
// "CLIP START END" in seconds on the looping camera's clock (0 is when
// the camera started its first loop). Blank lines and # comments are
// skipped; a malformed line is an error, so a broken run is not scored
// as a quiet one.
func ReadPeerEvents(r io.Reader) (map[string][]Interval, error) {
	out := map[string][]Interval{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("%w: line %d: want CLIP START END", ErrTruth, n)
		}
		a, err1 := strconv.ParseFloat(f[1], 64)
		b, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || b < a {
			return nil, fmt.Errorf("%w: line %d: bad interval %q %q", ErrTruth, n, f[1], f[2])
		}
		out[f[0]] = append(out[f[0]], Interval{Start: a, End: b})
	}
	return out, sc.Err()
}

// ScorePeer scores another detector's intervals (ReadPeerEvents) on the
// clip set looped by simcam, within [from, to) seconds of the cameras'
// clock. frameSeconds is the peer's frame interval, for onsets in frames.
func ScorePeer(truth Truth, name string, events map[string][]Interval, from, to, frameSeconds float64) Report {
	rep := Report{Tier: Tier(name), FrameSeconds: frameSeconds}
	for _, c := range truth.Clips {
		ivs := events[c.Name]
		rep.Clips = append(rep.Clips, ClipResult{
			Clip:  c,
			Score: MatchLooped(c.Motion, truth.Seconds, from, to, ivs),
			Run:   Run{Intervals: ivs},
		})
	}
	return rep
}

package detect

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/camwatch/camwatch/decode"
)

// ErrClip marks a recording that holds no video the pipeline can play.
var ErrClip = errors.New("detect: unusable clip")

// Clip is a raw Annex-B recording (parameter sets in band) cut into
// access units, played at a constant frame rate: what `camwatch detect`
// and the quality benchmark feed the pipeline.
type Clip struct {
	Codec decode.Codec
	FPS   float64
	Units [][]byte
}

// ReadClip reads a raw .h264 or .h265 file.
func ReadClip(path string, codec decode.Codec, fps float64) (Clip, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Clip{}, fmt.Errorf("%w: %w", ErrClip, err)
	}
	return NewClip(data, codec, fps, path)
}

// NewClip cuts an Annex-B stream into a clip; name is for errors.
func NewClip(data []byte, codec decode.Codec, fps float64, name string) (Clip, error) {
	if fps <= 0 || fps > 240 {
		return Clip{}, fmt.Errorf("%w: %s: frame rate %g", ErrClip, name, fps)
	}
	units := decode.SplitAccessUnits(data, codec)
	if len(units) == 0 {
		return Clip{}, fmt.Errorf("%w: %s holds no %s access units", ErrClip, name, codec)
	}
	return Clip{Codec: codec, FPS: fps, Units: units}, nil
}

// Duration is one play of the clip.
func (c Clip) Duration() time.Duration {
	return time.Duration(float64(len(c.Units)) / c.FPS * float64(time.Second))
}

// Play feeds the clip loops times back to back into p, the first unit at
// origin, as a camera looping it would send it; fn sees each unit's time
// and result. It returns the time just after the last unit. The caller
// starts the stream (p.Start) and stops it.
func (c Clip) Play(p *Pipeline, origin time.Time, loops int, fn func(at time.Time, r *Result)) time.Time {
	n := 0
	at := origin
	for range loops {
		for _, au := range c.Units {
			at = origin.Add(time.Duration(float64(n) / c.FPS * float64(time.Second)))
			n++
			r := p.Feed(Unit{AU: au, At: at})
			if fn != nil {
				fn(at, r)
			}
		}
	}
	return origin.Add(time.Duration(float64(n) / c.FPS * float64(time.Second)))
}

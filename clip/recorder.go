package clip

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/codec/h264parser"
	"github.com/deepch/vdk/codec/h265parser"
	"github.com/deepch/vdk/format/mp4"
)

// Options of a camera's recorder.
type Options struct {
	// Dir receives the clips (the spool's directory).
	Dir string
	// PreRoll (default 5s) is kept before a motion start, PostRoll
	// (default 5s) recorded after its end; MaxLength (default 60s) caps a
	// clip.
	PreRoll, PostRoll, MaxLength time.Duration
	// RingBytes bounds the pre-roll's memory (default 4 MiB).
	RingBytes int
	// Camera and Labels are written into each clip's description, so a
	// clip waiting on disk across a restart still says whose it is.
	Camera string
	Labels event.Labels
}

func (o *Options) defaults() {
	if o.PreRoll <= 0 {
		o.PreRoll = 5 * time.Second
	}
	if o.PostRoll <= 0 {
		o.PostRoll = 5 * time.Second
	}
	if o.MaxLength <= 0 {
		o.MaxLength = 60 * time.Second
	}
	if o.RingBytes <= 0 {
		o.RingBytes = 4 << 20
	}
}

// Finished is a clip written to disk: <Dir>/<Motion>.mp4, with its
// description in <Dir>/<Motion>.json.
type Finished struct {
	Camera string       `json:"camera"`
	Labels event.Labels `json:"labels"`
	Motion string       `json:"motion"`
	Path   string       `json:"-"`
	SHA256 string       `json:"sha256"`
	Bytes  int64        `json:"bytes"`
	// Start is the first frame's arrival, End Start plus the media's
	// duration (the last frame's presentation time), so the two agree
	// with what a player shows.
	Start     time.Time     `json:"start"`
	End       time.Time     `json:"end"`
	Duration  time.Duration `json:"duration"`
	Frames    int           `json:"frames"`
	Codec     Codec         `json:"codec"`
	Truncated bool          `json:"truncated,omitempty"`
}

// Recorder records one camera's clips. It is not safe for concurrent
// use: the camera's supervisor calls it from its frame loop.
type Recorder struct {
	o     Options
	codec Codec
	data  av.CodecData
	ring  ring
	cur   *writing
	// Written counts clips finished, Failed clips abandoned for an error.
	Written, Failed uint64
}

// writing is the clip being recorded.
type writing struct {
	motion    string
	f         *os.File
	mux       *mp4.Muxer
	start     time.Time // first frame's arrival
	last      time.Time // last frame's arrival
	base      time.Duration
	pts       time.Duration // last written presentation time
	lastTS    time.Duration
	frames    int
	endAt     time.Time // motion end; zero while motion goes on
	truncated bool
	buf       []byte
}

// NewRecorder returns a recorder writing into o.Dir.
func NewRecorder(o Options) *Recorder {
	o.defaults()
	return &Recorder{o: o, ring: ring{preRoll: o.PreRoll, maxBytes: o.RingBytes}}
}

// SetParams sets the stream's codec and out-of-band parameter sets
// (H.264: SPS, PPS; H.265: VPS, SPS, PPS), as the session announced them;
// none when the camera sends them in band only, where the first keyframe
// that carries them supplies them. A change finishes the clip in
// progress (an MP4 has one sample description) and empties the ring.
func (r *Recorder) SetParams(c Codec, params [][]byte) (*Finished, error) {
	var fin *Finished
	var err error
	if r.cur != nil {
		fin, err = r.finish()
	}
	r.codec, r.data = c, nil
	if len(params) > 0 {
		r.data, _ = codecData(c, params)
	}
	r.ring.reset()
	return fin, err
}

// codecData builds vdk's codec data from parameter sets; vdk's
// constructors panic on some malformed sets, which is an error here.
func codecData(c Codec, params [][]byte) (data av.CodecData, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("clip: malformed parameter sets: %v", p)
		}
	}()
	var vps, sps, pps []byte
	for _, p := range params {
		if len(p) == 0 {
			continue
		}
		if c == H265 {
			switch (p[0] >> 1) & 0x3f {
			case 32:
				vps = p
			case 33:
				sps = p
			case 34:
				pps = p
			}
			continue
		}
		switch p[0] & 0x1f {
		case 7:
			sps = p
		case 8:
			pps = p
		}
	}
	if sps == nil || pps == nil || (c == H265 && vps == nil) {
		return nil, errors.New("clip: parameter sets incomplete")
	}
	if c == H265 {
		return h265parser.NewCodecDataFromVPSAndSPSAndPPS(vps, sps, pps)
	}
	return h264parser.NewCodecDataFromSPSAndPPS(sps, pps)
}

// inBand returns the parameter sets an Annex-B access unit carries.
func inBand(au []byte, c Codec) [][]byte {
	var out [][]byte
	nalUnits(au, func(nal []byte) {
		if parameterSet(nal, c) {
			out = append(out, append([]byte(nil), nal...))
		}
	})
	return out
}

// RingBytes is the pre-roll's memory in use.
func (r *Recorder) RingBytes() int { return r.ring.bytes }

// Recording reports whether a clip is being written.
func (r *Recorder) Recording() bool { return r.cur != nil }

// MotionStart begins the clip of motion event id with the pre-roll, or
// prolongs the clip in progress (a new start before the post-roll ended).
func (r *Recorder) MotionStart(id string) error {
	if r.cur != nil {
		r.cur.endAt = time.Time{}
		return nil
	}
	if r.data == nil {
		return errors.New("clip: no parameter sets yet (none announced, none in band)")
	}
	if err := os.MkdirAll(r.o.Dir, 0o700); err != nil {
		return fmt.Errorf("clip: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(r.o.Dir, id+".mp4.part"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("clip: %w", err)
	}
	mux := mp4.NewMuxer(f)
	if err := mux.WriteHeader([]av.CodecData{r.data}); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("clip %s: %w", id, err)
	}
	r.cur = &writing{motion: id, f: f, mux: mux}
	for _, fr := range r.ring.frames {
		if err := r.write(fr); err != nil {
			r.abandon()
			return err
		}
	}
	return nil
}

// MotionEnd marks the motion's end: the clip ends PostRoll after at.
func (r *Recorder) MotionEnd(at time.Time) {
	if r.cur != nil && r.cur.endAt.IsZero() {
		r.cur.endAt = at
	}
}

// Frame feeds one access unit: into the ring, and into the clip in
// progress. It returns the clip when this frame finished it.
func (r *Recorder) Frame(f Frame) (*Finished, error) {
	if r.data == nil && f.Key {
		r.data, _ = codecData(r.codec, inBand(f.AU, r.codec))
	}
	r.ring.add(f)
	c := r.cur
	if c == nil {
		return nil, nil
	}
	if c.frames == 0 && !f.Key {
		return nil, nil // the clip waits for a keyframe
	}
	if err := r.write(f); err != nil {
		r.abandon()
		return nil, err
	}
	switch {
	case !c.endAt.IsZero() && !f.At.Before(c.endAt.Add(r.o.PostRoll)):
		return r.finish()
	case f.At.Sub(c.start) >= r.o.MaxLength:
		c.truncated = true
		return r.finish()
	}
	return nil, nil
}

// write appends one frame to the clip. Presentation times come from the
// stream's timestamps; where those do not increase (a broken camera) the
// arrival times stand in, so the MP4 is always well ordered.
func (r *Recorder) write(f Frame) error {
	c := r.cur
	if c.frames == 0 {
		if !f.Key {
			return nil
		}
		c.start, c.base = f.At, f.TS
	} else {
		step := f.TS - c.lastTS
		if step <= 0 || step > 10*time.Second {
			step = f.At.Sub(c.last)
			if step <= 0 {
				step = time.Millisecond
			}
		}
		c.pts += step
	}
	c.lastTS, c.last = f.TS, f.At
	c.buf = appendAVCC(c.buf[:0], f.AU, r.codec)
	if len(c.buf) == 0 {
		return nil
	}
	if err := c.mux.WritePacket(av.Packet{IsKeyFrame: f.Key, Time: c.pts, Data: append([]byte(nil), c.buf...)}); err != nil {
		return fmt.Errorf("clip %s: %w", c.motion, err)
	}
	c.frames++
	return nil
}

// Close finishes the clip in progress (the camera went away).
func (r *Recorder) Close() (*Finished, error) {
	if r.cur == nil {
		return nil, nil
	}
	return r.finish()
}

func (r *Recorder) abandon() {
	if c := r.cur; c != nil {
		c.f.Close()
		os.Remove(c.f.Name())
		r.cur = nil
		r.Failed++
	}
}

// finish writes the MP4's index, syncs, hashes and renames the file, and
// writes its description; only then is the clip in the spool.
func (r *Recorder) finish() (*Finished, error) {
	c := r.cur
	defer func() { r.cur = nil }()
	if c.frames == 0 {
		c.f.Close()
		os.Remove(c.f.Name())
		return nil, nil
	}
	fail := func(err error) (*Finished, error) {
		c.f.Close()
		os.Remove(c.f.Name())
		r.Failed++
		return nil, fmt.Errorf("clip %s: %w", c.motion, err)
	}
	if err := c.mux.WriteTrailer(); err != nil {
		return fail(err)
	}
	if err := c.f.Sync(); err != nil {
		return fail(err)
	}
	if _, err := c.f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, c.f)
	if err != nil {
		return fail(err)
	}
	if err := c.f.Close(); err != nil {
		return fail(err)
	}
	fin := &Finished{Camera: r.o.Camera, Labels: r.o.Labels, Motion: c.motion, Path: filepath.Join(r.o.Dir, c.motion+".mp4"), SHA256: hex.EncodeToString(h.Sum(nil)),
		Bytes: n, Start: c.start, End: c.start.Add(c.pts), Duration: c.pts, Frames: c.frames, Codec: r.codec, Truncated: c.truncated}
	desc, _ := json.Marshal(fin)
	if err := writeFileSync(filepath.Join(r.o.Dir, c.motion+".json.part"), desc); err != nil {
		return fail(err)
	}
	if err := os.Rename(c.f.Name(), fin.Path); err != nil {
		return fail(err)
	}
	// The description last: a clip is in the spool when both exist.
	if err := os.Rename(filepath.Join(r.o.Dir, c.motion+".json.part"), filepath.Join(r.o.Dir, c.motion+".json")); err != nil {
		os.Remove(fin.Path)
		return fail(err)
	}
	r.Written++
	return fin, nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

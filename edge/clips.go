package edge

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	cliprec "github.com/camwatch/camwatch/clip"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/lograte"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// clipSink is the agent's side of event clips shared by its cameras: the
// disk spool within its budget, the uploader into the clips object
// store, and the clip events it emits once an upload is stored.
type clipSink struct {
	spool   *cliprec.Spool
	js      jetstream.JetStream
	out     *emitter
	log     *slog.Logger
	wake    chan struct{}
	mu      sync.Mutex
	labels  map[string]event.Labels // camera → labels, for the clip event
	written *prometheus.CounterVec
	result  *prometheus.CounterVec
	dropped prometheus.Counter
	ring    *prometheus.GaugeVec
	warn    *lograte.Limiter
}

// newClipSink opens the clip spool and registers the clip metrics.
func newClipSink(dir string, budget int64, js jetstream.JetStream, out *emitter, log *slog.Logger, reg prometheus.Registerer) (*clipSink, error) {
	sp, err := cliprec.NewSpool(dir, budget)
	if err != nil {
		return nil, err
	}
	c := &clipSink{spool: sp, js: js, out: out, log: log.With("component", "clips"), wake: make(chan struct{}, 1),
		labels: map[string]event.Labels{},
		written: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_edge_clips_total",
			Help: "Event clips written to the clip spool (ok) or abandoned for an error (failed), per camera."}, []string{"camera", "result"}),
		result: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "camwatch_edge_clip_uploads_total",
			Help: "Clip uploads to the clips object store by result: ok, failed (retried), refused (another object under the name)."}, []string{"result"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "camwatch_edge_clips_dropped_total",
			Help: "Clips removed from the clip spool unsent because its disk budget was exceeded (oldest first)."}),
		ring: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "camwatch_edge_clip_ring_bytes",
			Help: "Bytes of compressed frames held for the pre-roll, per camera."}, []string{"camera"}),
		warn: lograte.New(time.Minute),
	}
	for _, m := range []prometheus.Collector{c.written, c.result, c.dropped, c.ring} {
		if err := reg.Register(m); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// finished takes a clip a recorder wrote: the budget is enforced, and
// the uploader is woken.
func (c *clipSink) finished(camera string, labels event.Labels, f *cliprec.Finished, err error) {
	if err != nil {
		c.written.WithLabelValues(camera, "failed").Inc()
		c.log.Warn("clip abandoned", "camera", camera, "err", err)
		return
	}
	if f == nil {
		return
	}
	c.mu.Lock()
	c.labels[camera+"/"+f.Motion] = labels
	c.mu.Unlock()
	c.written.WithLabelValues(camera, "ok").Inc()
	dropped, err := c.spool.Admit()
	if err != nil {
		c.log.Warn("clip spool", "err", err)
	}
	for _, d := range dropped {
		c.dropped.Inc()
		c.log.Warn("clip dropped: the clip spool is over its disk budget", "motion", d.Motion, "bytes", d.Bytes)
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run uploads waiting clips, oldest first, until ctx ends: each is put
// into the clips bucket (resumed from the disk copy after any failure),
// then its clip event is emitted and the copy removed. A failed upload
// waits and is retried; the clip stays within the budget meanwhile.
func (c *clipSink) run(ctx context.Context) {
	var store jetstream.ObjectStore
	backoff := time.Second
	for {
		pending, err := c.spool.Pending()
		if err != nil {
			c.log.Warn("clip spool", "err", err)
		}
		failed := false
		for _, f := range pending {
			if ctx.Err() != nil {
				return
			}
			if store == nil {
				if store, err = c.js.ObjectStore(ctx, event.ClipsBucket); err != nil {
					store = nil
					if c.warn.Allow("bucket", time.Now()) {
						c.log.Warn("clips bucket not reachable; clips wait on disk", "err", err)
					}
					failed = true
					break
				}
			}
			if !c.upload(ctx, store, f) {
				failed = true
				break
			}
		}
		wait := time.Hour
		if failed {
			wait, backoff = backoff, min(backoff*2, time.Minute)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-time.After(wait):
		}
	}
}

// upload stores one clip and announces it; false means retry later.
func (c *clipSink) upload(ctx context.Context, store jetstream.ObjectStore, f *cliprec.Finished) bool {
	camera := f.Camera // from its description: also for a clip from before a restart
	name := event.ClipObject(c.out.site, c.out.agent, camera, f.Motion)
	uctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err := cliprec.Upload(uctx, store, name, f)
	cancel()
	if errors.Is(err, cliprec.ErrDigest) {
		c.result.WithLabelValues("refused").Inc()
		c.log.Error("clip refused: another object holds its name; it is kept on disk for inspection until the budget drops it", "object", name, "err", err)
		return true
	}
	if err != nil {
		c.result.WithLabelValues("failed").Inc()
		if c.warn.Allow("upload", time.Now()) {
			c.log.Warn("clip upload failed; retried from disk", "object", name, "err", err)
		}
		return false
	}
	c.result.WithLabelValues("ok").Inc()
	ev := c.out.newEvent(event.KindClip, camera, c.labelsOf(camera, f), f.End)
	ev.Clip = &event.Clip{Object: name, SHA256: f.SHA256, Bytes: f.Bytes, Motion: f.Motion, Start: f.Start.UTC(), End: f.End.UTC(),
		DurationMS: f.Duration.Milliseconds(), Frames: f.Frames, Codec: string(f.Codec), Truncated: f.Truncated}
	c.out.emit(ev)
	if err := c.spool.Remove(f); err != nil {
		c.log.Warn("clip spool", "err", err)
	}
	return true
}

func (c *clipSink) labelsOf(camera string, f *cliprec.Finished) event.Labels {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.labels[camera+"/"+f.Motion]
	delete(c.labels, camera+"/"+f.Motion)
	if l == (event.Labels{}) {
		l = f.Labels
	}
	return l
}

// Supervisor side.

// clipParams hands the recorder the stream's codec and parameter sets (at
// each session and each in-band parameter-set change).
func (s *Supervisor) clipParams(v videoTrack) {
	if s.rec == nil {
		return
	}
	cc := cliprec.H264
	if v.codec == "h265" {
		cc = cliprec.H265
	}
	fin, err := s.rec.SetParams(cc, v.params)
	s.clipDone(fin, err)
}

func (s *Supervisor) clipFrame(f frame) {
	if s.rec == nil {
		return
	}
	fin, err := s.rec.Frame(cliprec.Frame{TS: f.ts, At: f.arrived, Key: f.keyframe, AU: f.au})
	s.clipDone(fin, err)
	s.clips.ring.WithLabelValues(s.cam.ID).Set(float64(s.rec.RingBytes()))
}

func (s *Supervisor) clipMotion(ev *event.Event, end time.Time) {
	if s.rec == nil {
		return
	}
	if ev != nil {
		if err := s.rec.MotionStart(ev.ID); err != nil {
			s.clips.finished(s.cam.ID, s.cam.Labels, nil, err)
		}
		return
	}
	s.rec.MotionEnd(end)
}

func (s *Supervisor) clipClose() {
	if s.rec == nil {
		return
	}
	fin, err := s.rec.Close()
	s.clipDone(fin, err)
}

func (s *Supervisor) clipDone(fin *cliprec.Finished, err error) {
	if fin == nil && err == nil {
		return
	}
	s.clips.finished(s.cam.ID, s.cam.Labels, fin, err)
}

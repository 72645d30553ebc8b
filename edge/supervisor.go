package edge

import (
	"context"
	"errors"
	"fmt"
	cliprec "github.com/camwatch/camwatch/clip"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/motion"
	"github.com/deepch/vdk/av"
	"github.com/deepch/vdk/format/rtspv2"
)

// SupervisorOptions are what a supervisor shares with the rest of the
// agent.
type SupervisorOptions struct {
	Site, Agent string
	Timing      Timing
	Sink        Sink
	Logger      *slog.Logger
	Metrics     *Metrics
	// Snapshots receives a JPEG at each motion start and raised picture
	// fault of a camera with decoded frames; nil sends none.
	Snapshots SnapshotSink
	// Clips receives the clips of cameras with Camera.Clips set; nil
	// records none.
	Clips *clipSink
	// Thumbnails spaces the periodic thumbnails sent with stats events.
	Thumbnails Thumbnails
	// budget is the agent's snapshot budget, shared by its cameras; nil
	// gives the camera one of its own.
	budget *budget
}

// Supervisor watches one camera for as long as its context lives: it
// dials, reads, measures, detects motion and reconnects with backoff,
// reporting every change as an event. All its state but Online belongs to
// the goroutine running Run.
type Supervisor struct {
	cam    Camera
	timing Timing
	out    *emitter
	// rec records the camera's event clips (nil: clips off); clips is the
	// agent's clip spool and uploader.
	rec   *cliprec.Recorder
	clips *clipSink
	log   *slog.Logger
	cm    cameraMetrics
	red   redactor
	det   *motion.Detector
	cx    *complexity // H.264 QP reading for det
	px    *pixelTier
	snaps SnapshotSink
	thumb *thumbnailer

	online atomic.Bool
	bg     sync.WaitGroup // dials and closes still finishing in the background

	status     event.Status
	reason     event.Reason
	detail     string
	since      time.Time
	meter      meter
	asm        assembler
	lastPacket time.Time
	answered   time.Time // the probe answer that started this session (prober.go)
	silent     bool      // the last session ended stalled, or got no packet after PLAY
	// lastFrame is the arrival of the last complete frame; watchReason the
	// detection reason in force (see watchedReason).
	lastFrame   time.Time
	watchReason event.Reason
	// autoWeak: detector auto judged the compressed signal unusable.
	autoWeak   bool
	reconnects uint64
	codec      string
	width      int
	height     int
	stats      <-chan time.Time
}

// NewSupervisor prepares a supervisor for cam; Run starts it.
func NewSupervisor(cam Camera, o SupervisorOptions) (*Supervisor, error) {
	if !event.ValidToken(cam.ID) {
		return nil, fmt.Errorf("edge: camera id %q is not a valid token", cam.ID)
	}
	if o.Sink == nil || o.Metrics == nil {
		return nil, errors.New("edge: supervisor needs a sink and metrics")
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("camera", cam.ID)
	cam = credentialsFromURL(cam)
	s := &Supervisor{
		cam:    cam,
		timing: o.Timing.withDefaults(),
		out:    &emitter{site: o.Site, agent: o.Agent, sink: o.Sink, metrics: o.Metrics, log: logger},
		log:    logger,
		cm:     o.Metrics.camera(cam.ID),
		red:    newRedactor(cam.Password.Reveal()),
		status: event.StatusOffline,
		reason: event.ReasonStarting,
		since:  time.Now(),
		snaps:  o.Snapshots,
	}
	if cam.Motion != nil {
		d, err := motion.New(*cam.Motion)
		if err != nil {
			return nil, fmt.Errorf("edge: camera %s: %w", cam.ID, err)
		}
		s.det = d
		s.cx = newComplexity(logger, o.Metrics.complexity(cam.ID))
	}
	if cam.Clips != nil && o.Clips != nil {
		co := *cam.Clips
		co.Dir, co.Camera, co.Labels = o.Clips.spool.Dir(), cam.ID, cam.Labels
		s.rec, s.clips = cliprec.NewRecorder(co), o.Clips
	}
	if cam.Pixel != nil {
		p, err := newPixelTier(*cam.Pixel, cam.openDecoder, logger, o.Metrics.pixel(cam.ID))
		if err != nil {
			return nil, fmt.Errorf("edge: camera %s: %w", cam.ID, err)
		}
		s.px = p
		p.onTamper = s.onTamper
		if s.snaps != nil {
			th := o.Thumbnails.withDefaults()
			b := o.budget
			if b == nil {
				b = newBudget(th.BudgetKbps, time.Now, o.Metrics.thumbnails)
			}
			s.thumb = &thumbnailer{interval: th.Interval, budget: b}
			p.onFrame = s.thumb.offer
		}
	}
	return s, nil
}

// Online reports whether the camera is delivering frames; safe to call
// from any goroutine.
func (s *Supervisor) Online() bool { return s.online.Load() }

// Wait blocks until dials and closes that Run left behind when its
// context ended have finished (at most the dial and read timeouts).
func (s *Supervisor) Wait() { s.bg.Wait() }

// Run supervises the camera until ctx ends; it returns promptly then,
// even in the middle of an RTSP handshake.
func (s *Supervisor) Run(ctx context.Context) {
	stats := time.NewTicker(s.timing.StatsInterval)
	defer stats.Stop()
	s.stats = stats.C
	s.log.Info("watching camera", "url", s.cam.publicURL())
	step := 0
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			s.reconnects++
			s.cm.reconnects.Inc()
		}
		healthy, err := s.session(ctx)
		if ctx.Err() != nil {
			break
		}
		if healthy {
			step = 0
		}
		reason := classify(err)
		s.goOffline(time.Now(), reason, err)
		wait := s.timing.Backoff[min(step, len(s.timing.Backoff)-1)]
		step++
		if s.silent {
			// A stalled camera answers probes, so only a session shows
			// when its frames resume: keep one open (it costs nothing
			// while nothing flows) rather than back off for up to 30 s.
			wait = min(wait, s.timing.ProbeInterval)
		}
		if !s.waitRetry(ctx, jitter(wait), reason == event.ReasonRefused) {
			break
		}
	}
	s.endMotion()
	if s.px != nil {
		s.px.close()
	}
	s.online.Store(false)
	s.cm.online.Set(0)
}

// jitter spreads d by +-20% so cameras behind one failed uplink do not
// all redial in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

type dialed struct {
	c   *rtspv2.RTSPClient
	err error
}

// dial runs vdk's blocking, uncancellable Dial in a goroutine so that ctx
// and an overall handshake deadline still apply; a client that arrives
// after we gave up is closed in the background.
func (s *Supervisor) dial(ctx context.Context) (*rtspv2.RTSPClient, error) {
	ch := make(chan dialed, 1)
	opts := rtspv2.RTSPClientOptions{
		URL:              s.cam.streamURL(),
		DialTimeout:      s.timing.DialTimeout,
		ReadWriteTimeout: s.timing.ReadTimeout,
		DisableAudio:     true,
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		c, err := rtspv2.Dial(opts)
		ch <- dialed{c, err}
	}()
	deadline := time.NewTimer(s.timing.DialTimeout + 2*s.timing.ReadTimeout + time.Second)
	defer deadline.Stop()
	abandon := func() {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
	}
	for {
		select {
		case r := <-ch:
			return r.c, r.err
		case <-ctx.Done():
			abandon()
			return nil, ctx.Err()
		case <-deadline.C:
			abandon()
			return nil, ErrDialTimeout
		case now := <-s.stats:
			s.emitStats(now)
		}
	}
}

// explain refines a handshake that ended in a dropped connection: some
// cameras answer wrong credentials (or an unknown path) by hanging up,
// which vdk reports as a bare EOF. One probe tells them apart.
func (s *Supervisor) explain(ctx context.Context, err error) error {
	if classify(err) != event.ReasonClosed {
		return err
	}
	code, perr := probeDescribe(ctx, s.cam.streamURL(), s.timing.ReadTimeout)
	switch {
	case perr == nil && code == 401:
		return fmt.Errorf("%w (the camera rejected the credentials)", ErrAuthFailed)
	case perr == nil && code == 404:
		return fmt.Errorf("%w (the camera does not know the path)", ErrNotFound)
	}
	return err
}

func (s *Supervisor) close(c *rtspv2.RTSPClient) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		c.Close()
	}()
}

// readCodec records the video codec and resolution from the client's
// codec data and returns the video track's packet index.
func (s *Supervisor) readCodec(c *rtspv2.RTSPClient) (idx int8, hevc bool, err error) {
	for i, cd := range c.Codecs() {
		if cd == nil || !cd.Type().IsVideo() {
			continue
		}
		switch cd.Type() {
		case av.H264:
			s.codec = "h264"
		case av.H265:
			s.codec, hevc = "h265", true
		default:
			continue
		}
		if v, ok := cd.(av.VideoCodecData); ok {
			s.width, s.height = v.Width(), v.Height()
		}
		return int8(i), hevc, nil
	}
	return 0, false, ErrNoVideo
}

func (s *Supervisor) watchdogTick() time.Duration {
	return min(max(s.timing.StallTimeout/8, 10*time.Millisecond), 250*time.Millisecond)
}

// session runs one RTSP session to its end and reports why it ended and
// whether it stayed online long enough to count as healthy.
func (s *Supervisor) session(ctx context.Context) (healthy bool, err error) {
	s.silent = false
	s.log.Debug("dialling", "url", s.cam.publicURL())
	c, err := s.dial(ctx)
	if err != nil {
		return false, s.explain(ctx, err)
	}
	defer s.close(c)
	defer s.clipClose() // a clip in progress ends with the session
	videoIdx, hevc, err := s.readCodec(c)
	if err != nil {
		return false, err
	}
	s.clipCodec(c, videoIdx, hevc)
	s.startPixel(c, videoIdx)
	s.meter.newSession()
	s.asm.reset()
	s.startComplexity(c, videoIdx, hevc)
	start := time.Now()
	var onlineAt, firstPacket time.Time
	// A session that played but got no packet is as silent as a stalled
	// one (the camera answers RTSP but sends nothing).
	defer func() {
		if s.silent = firstPacket.IsZero() || errors.Is(err, ErrStalled); s.silent {
			s.log.Debug("session ended without frames; redialling soon", "err", err)
		}
	}()
	waitingKey := true
	skipped := 0
	isHealthy := func() bool { return !onlineAt.IsZero() && time.Since(onlineAt) >= s.timing.Healthy }
	watchdog := time.NewTicker(s.watchdogTick())
	defer watchdog.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case sig := <-c.Signals:
			switch sig {
			case rtspv2.SignalStreamRTPStop:
				// vdk gives up on its own read deadline; when that came
				// after the stall timeout without a packet, the camera
				// stalled, whichever timer fired first.
				if now := time.Now(); !waitingKey && now.Sub(s.lastPacket) >= s.timing.StallTimeout {
					return isHealthy(), fmt.Errorf("%w: last frame %s ago", ErrStalled, now.Sub(s.lastPacket).Round(time.Millisecond))
				}
				return isHealthy(), ErrStreamStopped
			case rtspv2.SignalCodecUpdate:
				if _, _, err := s.readCodec(c); err != nil {
					return isHealthy(), err
				}
				s.startPixel(c, videoIdx)
				s.startComplexity(c, videoIdx, hevc)
				s.clipCodec(c, videoIdx, hevc)
			}
		case pkt := <-c.OutgoingPacketQueue:
			if pkt == nil || pkt.Idx != videoIdx {
				continue
			}
			now := time.Now()
			if firstPacket.IsZero() {
				firstPacket = now
			}
			// The one place where complete access units with their
			// timestamps flow: the detectors, and a clip recorder, tap here.
			frames := s.asm.add(pkt.Time, now, pkt.Data, pkt.IsKeyFrame, pkt.Marker, hevc)
			if waitingKey && len(frames) == 0 {
				s.cm.skipped.Inc()
				skipped++
			}
			for _, f := range frames {
				if waitingKey {
					if !f.keyframe {
						s.cm.skipped.Inc()
						skipped++
						continue
					}
					if skipped > 0 {
						s.log.Debug("skipped packets before the first keyframe", "packets", skipped)
					}
					waitingKey = false
					onlineAt = now
					s.goOnline(now, firstPacket)
				}
				s.clipFrame(f) // before the detectors: a motion start's frame is in the pre-roll
				s.onFrame(f)
				s.pixelFrame(f, now)
			}
			if !waitingKey {
				s.lastPacket = now
			}
		case now := <-watchdog.C:
			if waitingKey {
				if now.Sub(start) > s.timing.KeyframeWait {
					return false, ErrNoKeyframe
				}
			} else if now.Sub(s.lastPacket) > s.timing.StallTimeout {
				return isHealthy(), fmt.Errorf("%w: last frame %s ago", ErrStalled, now.Sub(s.lastPacket).Round(time.Millisecond))
			} else {
				s.checkWatched(now)
			}
		case now := <-s.stats:
			s.emitStats(now)
		}
	}
}

func (s *Supervisor) onFrame(f frame) {
	s.lastFrame = f.arrived
	s.meter.add(f)
	s.cm.frames.Inc()
	s.cm.bytes.Add(float64(f.size))
	if s.det == nil {
		return
	}
	// Raw size on quality-controlled cameras, QP-normalised on rate-
	// controlled ones (docs/motion.md, "The compressed tier under CBR");
	// a change of figure changes its scale, so the baseline is relearnt.
	fig, switched := s.cx.figure(f)
	if switched {
		if tr, ok := s.det.Stop(); ok && s.px == nil {
			s.emitMotion(tr)
		}
		s.det.Reset()
	}
	tr, ok := s.det.Observe(f.arrived, fig, f.keyframe)
	if s.px != nil {
		s.px.gate(f.arrived, s.det.Active() || s.det.Score() >= gateFraction*s.det.Threshold() || s.autoOpen())
		return // the compressed tier only gates the pixel tier
	}
	if ok {
		s.emitMotion(tr)
	}
}

func (s *Supervisor) endMotion() {
	if s.px != nil {
		if tr, ok := s.px.stop(); ok {
			s.emitPixelMotion(tr, s.px.zones)
		}
	}
	if s.det == nil {
		return
	}
	if tr, ok := s.det.Stop(); ok && s.px == nil {
		s.emitMotion(tr)
	}
}

func (s *Supervisor) emitMotion(tr motion.Transition) { s.emitMotionFrom("compressed", tr, nil) }

func (s *Supervisor) emitMotionFrom(detector string, tr motion.Transition, zones []string) {
	kind := event.KindMotionStart
	m := &event.Motion{Detector: detector, Score: round2(tr.Score), Started: tr.Started.UTC().Round(0)}
	if len(zones) > 0 {
		m.Zones = append([]string(nil), zones...)
	}
	if tr.Kind == motion.End {
		kind = event.KindMotionEnd
		m.DurationS = round2(tr.Duration().Seconds())
	}
	ev := s.out.newEvent(kind, s.cam.ID, s.cam.Labels, tr.At)
	ev.Motion = m
	if kind == event.KindMotionStart && s.px != nil && s.px.frame != nil {
		s.snapshot(ev, s.px.frame)
	}
	s.out.emit(ev)
	if kind == event.KindMotionStart {
		s.clipMotion(ev, time.Time{})
	} else {
		s.clipMotion(nil, tr.At)
	}
	s.log.Info("motion", "kind", tr.Kind, "detector", detector, "score", m.Score, "zones", m.Zones)
}

// goOnline reports the camera online at now, the first keyframe of the
// session. It has been back since the session's first packet, or since it
// answered the probe that started the session: that is what since says
// (the handshake and the wait for a keyframe are the agent's, not an
// outage of the camera).
func (s *Supervisor) goOnline(now, since time.Time) {
	if !s.answered.IsZero() && s.answered.Before(since) {
		since = s.answered
	}
	s.status, s.reason, s.detail, s.since = event.StatusOnline, "", "", since
	s.lastFrame = now
	s.clearWatched()
	s.online.Store(true)
	s.cm.online.Set(1)
	s.log.Info("camera online", "codec", s.codec, "width", s.width, "height", s.height)
	s.emitHealth(event.KindHealth, now)
}

func (s *Supervisor) goOffline(now time.Time, reason event.Reason, err error) {
	detail := ""
	if err != nil {
		detail = s.red.clean(err.Error())
	}
	if s.status == event.StatusOffline && s.reason == reason {
		s.detail = detail
		return
	}
	// A stalled stream went down when its last frame arrived, not when the
	// stall timeout said so; a closed session, when it closed (now).
	since := now
	if s.status == event.StatusOnline && reason == event.ReasonStalled && !s.lastPacket.IsZero() && s.lastPacket.Before(now) {
		since = s.lastPacket
	}
	s.endMotion()
	s.stopTamper(now)
	s.clearWatched()
	s.status, s.reason, s.detail, s.since = event.StatusOffline, reason, detail, since
	s.online.Store(false)
	s.cm.online.Set(0)
	s.log.Warn("camera offline", "reason", reason, "detail", detail)
	s.emitHealth(event.KindHealth, now)
}

func (s *Supervisor) emitStats(now time.Time) { s.emitHealth(event.KindStats, now) }

func (s *Supervisor) emitHealth(kind event.Kind, now time.Time) {
	ev := s.out.newEvent(kind, s.cam.ID, s.cam.Labels, now)
	ev.Health = s.health(now)
	if kind == event.KindStats && s.status == event.StatusOnline {
		// The periodic thumbnail travels as the stats event's snapshot.
		if b := s.thumb.take(); b != nil {
			s.attach(ev, b)
			s.thumb.sent(now, len(b), true)
		}
	}
	s.out.emit(ev)
}

// health is the camera's current figures, measured from delivered frames.
func (s *Supervisor) health(now time.Time) *event.Health {
	h := &event.Health{
		Status:         s.status,
		Reason:         s.reason,
		Detail:         s.detail,
		Since:          s.since.UTC().Round(0),
		Codec:          s.codec,
		Width:          s.width,
		Height:         s.height,
		Frames:         s.meter.frames,
		Reconnects:     s.reconnects,
		LastFrameAgeMS: -1,
	}
	if !s.lastPacket.IsZero() {
		h.LastFrameAgeMS = now.Sub(s.lastPacket).Milliseconds()
	}
	if s.status == event.StatusOnline {
		fps, kbps, win := s.meter.rates(now)
		h.FPS, h.BitrateKbps, h.WindowS = round2(fps), round2(kbps), round2(win.Seconds())
		h.KeyframeIntervalS = round2(s.meter.keyInt.Seconds())
		h.Tamper = s.tamperList()
		if s.asm.tsBroken {
			// Frames are delimited without them and the rates come from
			// arrival times, but a technician should know.
			h.Detail = strings.TrimPrefix(h.Detail+"; timestamps: broken", "; ")
		}
	}
	return h
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

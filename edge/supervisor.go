package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cliprec "github.com/camwatch/camwatch/clip"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
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
	// Thumbnails spaces the periodic thumbnails sent with stats events.
	Thumbnails Thumbnails
	// Clips receives the clips of cameras with Camera.Clips set; nil
	// records none.
	Clips *clipSink
	// budget is the agent's snapshot budget, shared by its cameras; nil
	// gives the camera one of its own.
	budget *budget

	// dial opens RTSP sessions; nil is vdk (rtspvdk.go). Tests script
	// sessions here to drive a supervisor without a server, and answer
	// its reachability probes with probe (nil: probeOptions).
	dial  dialer
	probe func(ctx context.Context, url string, connect, answer time.Duration) (int, error)
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
	// pipe is the camera's detection (nil: detector off).
	pipe  *detect.Pipeline
	snaps SnapshotSink
	thumb *thumbnailer
	dial  dialer
	probe func(ctx context.Context, url string, connect, answer time.Duration) (int, error)

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
	reconnects  uint64
	codec       string
	width       int
	height      int
	stats       <-chan time.Time
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
		dial:   o.dial,
		probe:  o.probe,
	}
	if s.dial == nil {
		s.dial = dialVDK
	}
	if s.probe == nil {
		s.probe = probeOptions
	}
	if cam.Clips != nil && o.Clips != nil {
		co := *cam.Clips
		co.Dir, co.Camera, co.Labels = o.Clips.spool.Dir(), cam.ID, cam.Labels
		s.rec, s.clips = cliprec.NewRecorder(co), o.Clips
	}
	if cam.Detect != nil {
		p, err := detect.New(*cam.Detect, detect.Options{Logger: logger, Metrics: o.Metrics.detection(cam.ID), Open: cam.openDecoder})
		if err != nil {
			return nil, fmt.Errorf("edge: camera %s: %w", cam.ID, err)
		}
		s.pipe = p
		if s.snaps != nil && p.Decodes() {
			th := o.Thumbnails.withDefaults()
			b := o.budget
			if b == nil {
				b = newBudget(th.BudgetKbps, time.Now, o.Metrics.thumbnails)
			}
			s.thumb = &thumbnailer{interval: th.Interval, budget: b}
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
	s.stopDetection(time.Now())
	if s.pipe != nil {
		s.pipe.Close()
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
	c   rtspSession
	err error
}

// dial runs the client's blocking, uncancellable Dial in a goroutine so
// that ctx and an overall handshake deadline still apply; a session that
// arrives after we gave up is closed in the background.
func (s *Supervisor) open(ctx context.Context) (rtspSession, error) {
	ch := make(chan dialed, 1)
	opts := dialOptions{URL: s.cam.streamURL(), DialTimeout: s.timing.DialTimeout, ReadTimeout: s.timing.ReadTimeout}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		c, err := s.dial(opts)
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
		case <-s.stats:
			s.emitStats(time.Now())
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

func (s *Supervisor) close(c rtspSession) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		c.Close()
	}()
}

// readCodec records the video codec and resolution of the session's
// codec data and hands them to the detection.
func (s *Supervisor) readCodec(c rtspSession) (hevc bool, err error) {
	v, err := c.Video()
	if err != nil {
		return false, err
	}
	s.codec, s.width, s.height = string(v.codec), v.width, v.height
	if s.pipe != nil {
		s.pipe.Start(v.codec, v.params)
	}
	s.clipParams(v)
	return v.codec == "h265", nil
}

func (s *Supervisor) watchdogTick() time.Duration {
	return min(max(s.timing.StallTimeout/8, 10*time.Millisecond), 250*time.Millisecond)
}

// session runs one RTSP session to its end and reports why it ended and
// whether it stayed online long enough to count as healthy.
func (s *Supervisor) session(ctx context.Context) (healthy bool, err error) {
	s.silent = false
	s.log.Debug("dialling", "url", s.cam.publicURL())
	c, err := s.open(ctx)
	if err != nil {
		return false, s.explain(ctx, err)
	}
	defer s.close(c)
	defer s.clipClose() // a clip in progress ends with the session
	hevc, err := s.readCodec(c)
	if err != nil {
		return false, err
	}
	s.meter.newSession()
	s.asm.reset()
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
		case ev := <-c.Events():
			switch ev.kind {
			case evEnd:
				// The client gives up on its own read deadline: the
				// camera went silent, it stalled, whichever timer fired
				// first. The client's error says so; lastPacket (when
				// the supervisor handled the last packet, late on a
				// loaded agent) cannot, as the read deadline and the
				// stall timeout are of the same length.
				now := time.Now()
				if !waitingKey && (errors.Is(ev.err, os.ErrDeadlineExceeded) || now.Sub(s.lastPacket) >= s.timing.StallTimeout) {
					return isHealthy(), fmt.Errorf("%w: last frame %s ago", ErrStalled, now.Sub(s.lastPacket).Round(time.Millisecond))
				}
				// A session that opened but gave no keyframe before the
				// read deadline (a stalled camera accepts the redial and
				// sends nothing): still stalled; the camera ended no session.
				if waitingKey && errors.Is(ev.err, os.ErrDeadlineExceeded) {
					return false, fmt.Errorf("%w: the session opened, nothing usable arrived in %s", ErrNoKeyframe, now.Sub(start).Round(time.Millisecond))
				}
				return isHealthy(), ErrStreamStopped
			case evCodec:
				if hevc, err = s.readCodec(c); err != nil {
					return isHealthy(), err
				}
				continue
			}
			pkt := ev.pkt
			now := time.Now()
			if firstPacket.IsZero() {
				firstPacket = now
			}
			// The one place where complete access units with their
			// timestamps flow: the detectors, and a clip recorder, tap here.
			frames := s.asm.add(pkt.ts, now, pkt.data, pkt.key, pkt.marker, hevc)
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
				s.onFrame(f, now)
			}
			if !waitingKey {
				s.lastPacket = now
			}
		case <-watchdog.C:
			// A tick's own time is when it fell due, which can be before
			// packets handled since: judge ages by the clock, or a
			// loaded agent reports a negative last-frame age.
			now := time.Now()
			if waitingKey {
				if now.Sub(start) > s.timing.KeyframeWait {
					return false, ErrNoKeyframe
				}
			} else if now.Sub(s.lastPacket) > s.timing.StallTimeout {
				return isHealthy(), fmt.Errorf("%w: last frame %s ago", ErrStalled, now.Sub(s.lastPacket).Round(time.Millisecond))
			} else {
				s.checkWatched(now)
			}
		case <-s.stats:
			s.emitStats(time.Now()) // not the tick's time (see the watchdog)
		}
	}
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
	s.stopDetection(now)
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

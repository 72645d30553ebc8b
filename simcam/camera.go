package simcam

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/auth"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtp"
)

// rtpEncoder packetizes one access unit (H.264 or H.265).
type rtpEncoder interface {
	Encode(au [][]byte) ([]*rtp.Packet, error)
}

// FPS is the rate every simulated camera sends frames at; the clips are
// encoded at this rate.
const FPS = 15

const (
	frameInterval = time.Second / FPS
	rtpClock      = 90000
	rtpPerFrame   = rtpClock / FPS
	payloadType   = 96
	// reopenRetry is how often a camera retries a listener that failed to
	// come back (its port was taken meanwhile).
	reopenRetry = time.Second
)

// camera is one simulated camera: its own RTSP server on its own port and a
// loop that paces frames, applies faults and runs the offline schedule. All
// fields below "loop-owned" are touched only by that loop.
type camera struct {
	id      string
	clip    *clip
	host    string
	port    int // fixed once the first listener is up
	user    string
	pass    string
	methods []auth.VerifyMethod
	every   time.Duration
	offFor  time.Duration
	log     *slog.Logger

	cmds    chan faultCmd
	done    chan struct{}
	clients atomic.Int64

	mu      sync.Mutex // guards snap and changes
	snap    status
	changes []StateChange

	// loop-owned
	enc        rtpEncoder
	live       *incarnation
	fault      FaultKind // "" when none
	faultEnd   time.Time // zero when the fault lasts until cleared
	faultTimer *time.Timer
	schedOff   bool
	schedTimer *time.Timer
	pos        int
	lastIDR    *frame
	frozen     *frame
	ticks      uint32
	ts0        uint32
	lastTry    time.Time
}

// status is a camera's externally visible state.
type status struct {
	State    State
	Fault    FaultKind
	FaultEnd time.Time
}

type faultCmd struct {
	f    Fault
	done chan struct{}
}

// incarnation is one life of a camera's RTSP server, from listen to close;
// "offline" ends it and a new one starts on the same port.
type incarnation struct {
	srv    *gortsplib.Server
	stream *gortsplib.ServerStream
	media  *description.Media
}

func newCamera(id string, c *clip, host string, port int, opts *Options, every, offFor time.Duration) (*camera, error) {
	cam := &camera{
		id:     id,
		clip:   c,
		host:   host,
		port:   port,
		user:   opts.Username,
		pass:   opts.Password,
		every:  every,
		offFor: offFor,
		log:    opts.Logger.With("camera", id),
		cmds:   make(chan faultCmd),
		done:   make(chan struct{}),
		// Start below 2^31 so the 32-bit RTP clock does not wrap for hours.
		ts0: rand.Uint32N(1 << 31),
	}
	switch opts.AuthMethod {
	case "basic":
		cam.methods = []auth.VerifyMethod{auth.VerifyMethodBasic}
	default:
		cam.methods = []auth.VerifyMethod{auth.VerifyMethodDigestMD5}
	}
	var err error
	if c.hevc {
		e := &rtph265.Encoder{PayloadType: payloadType}
		err, cam.enc = e.Init(), e
	} else {
		e := &rtph264.Encoder{PayloadType: payloadType, PacketizationMode: 1}
		err, cam.enc = e.Init(), e
	}
	if err != nil {
		return nil, fmt.Errorf("camera %s: rtp encoder: %w", id, err)
	}
	cam.lastIDR = &c.frames[0]
	if err := cam.open(); err != nil {
		return nil, err
	}
	cam.publish()
	return cam, nil
}

// open starts a new RTSP server and stream on the camera's port.
func (c *camera) open() error {
	h := &handler{cam: c}
	srv := &gortsplib.Server{
		Handler:     h,
		RTSPAddress: net.JoinHostPort(c.host, strconv.Itoa(c.port)),
		AuthMethods: c.methods,
		// Without sender reports a stalled camera is silent on the wire, so
		// clients with read timeouts notice the stall.
		DisableRTCPSenderReports: true,
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("camera %s: listen: %w", c.id, err)
	}
	if c.port == 0 {
		c.port = srv.NetListener().Addr().(*net.TCPAddr).Port
	}
	var forma format.Format = &format.H264{
		PayloadTyp:        payloadType,
		SPS:               c.clip.sps,
		PPS:               c.clip.pps,
		PacketizationMode: 1,
	}
	if c.clip.hevc {
		forma = &format.H265{PayloadTyp: payloadType, VPS: c.clip.vps, SPS: c.clip.sps, PPS: c.clip.pps}
	}
	media := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}
	stream := &gortsplib.ServerStream{Server: srv, Desc: &description.Session{Medias: []*description.Media{media}}}
	if err := stream.Initialize(); err != nil {
		srv.Close()
		return fmt.Errorf("camera %s: stream: %w", c.id, err)
	}
	h.stream.Store(stream)
	c.live = &incarnation{srv: srv, stream: stream, media: media}
	c.log.Debug("listening", "addr", srv.NetListener().Addr().String())
	return nil
}

// closeLive ends the current incarnation: listener, sessions and stream.
func (c *camera) closeLive() {
	if c.live == nil {
		return
	}
	c.live.stream.Close()
	c.live.srv.Close()
	c.live = nil
	c.log.Debug("listener closed")
}

func (c *camera) run(ctx context.Context) {
	defer close(c.done)
	defer c.closeLive()
	// The clip clock: frame k is due at epoch + k frame intervals.
	epoch := time.Now()
	ticker := time.NewTicker(frameInterval)
	defer ticker.Stop()
	c.faultTimer = time.NewTimer(time.Hour)
	c.faultTimer.Stop()
	c.schedTimer = time.NewTimer(time.Hour)
	c.schedTimer.Stop()
	if c.every > 0 {
		c.schedTimer.Reset(c.every - c.offFor)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case cmd := <-c.cmds:
			c.apply(cmd.f)
			close(cmd.done)
		case <-c.faultTimer.C:
			c.log.Info("fault over", "fault", c.fault)
			c.endFault()
			c.reconcile()
		case <-c.schedTimer.C:
			c.schedOff = !c.schedOff
			if c.schedOff {
				c.log.Info("scheduled offline", "for", c.offFor)
				c.schedTimer.Reset(c.offFor)
			} else {
				c.log.Info("scheduled offline over")
				c.schedTimer.Reset(c.every - c.offFor)
			}
			c.reconcile()
		case now := <-ticker.C:
			if c.live == nil && c.wantOpen() && now.Sub(c.lastTry) >= reopenRetry {
				c.reconcile()
			}
			c.sendDue(epoch, now)
		}
	}
}

// apply starts (or clears) a fault.
func (c *camera) apply(f Fault) {
	if f.Kind == FaultClear {
		if c.fault != "" {
			c.log.Info("fault cleared", "fault", c.fault)
		}
		c.endFault()
		c.reconcile()
		return
	}
	if c.fault == FaultFreeze && f.Kind != FaultFreeze {
		c.endFault()
	}
	if f.Kind == FaultFreeze && c.fault != FaultFreeze {
		c.frozen = c.lastIDR
	}
	d := f.For
	if f.Kind == FaultRestart {
		if d == 0 {
			d = RestartDowntime
		}
		// A reboot drops sessions even when the camera was already down.
		c.closeLive()
	}
	c.fault = f.Kind
	c.faultTimer.Stop()
	c.faultEnd = time.Time{}
	if d > 0 {
		c.faultEnd = time.Now().Add(d)
		c.faultTimer.Reset(d)
	}
	c.log.Info("fault", "fault", f.Kind, "for", d)
	c.reconcile()
}

// endFault returns to normal; after a freeze the clip resumes at the next
// IDR so that decoders never see a P-frame whose reference they missed.
func (c *camera) endFault() {
	if c.fault == FaultFreeze {
		c.pos = c.clip.nextIDR(c.pos)
		c.frozen = nil
	}
	c.fault = ""
	c.faultEnd = time.Time{}
	c.faultTimer.Stop()
}

func (c *camera) wantOpen() bool {
	return c.fault != FaultOffline && c.fault != FaultRestart && !c.schedOff
}

// reconcile opens or closes the listener to match the faults and schedule.
func (c *camera) reconcile() {
	switch want := c.wantOpen(); {
	case want && c.live == nil:
		c.lastTry = time.Now()
		if err := c.open(); err != nil {
			c.log.Error("cannot come back online", "err", err)
		}
	case !want && c.live != nil:
		c.closeLive()
	}
	c.publish()
}

// maxChanges bounds a camera's state log: days of a flapping schedule.
const maxChanges = 4096

// publish copies the loop's state for readers outside the loop and logs
// every change of state with the time it took effect.
func (c *camera) publish() {
	st := status{State: StateOnline, Fault: c.fault, FaultEnd: c.faultEnd}
	switch {
	case c.fault == FaultRestart:
		st.State = StateRestarting
	case c.live == nil:
		st.State = StateOffline
		if c.fault == "" {
			st.Fault = FaultOffline // scheduled
		}
	case c.fault == FaultStall:
		st.State = StateStalled
	case c.fault == FaultFreeze:
		st.State = StateFrozen
	}
	c.mu.Lock()
	if n := len(c.changes); n == 0 || c.changes[n-1].State != st.State {
		if n == maxChanges {
			c.changes = append(c.changes[:0], c.changes[1:]...)
		}
		c.changes = append(c.changes, StateChange{State: st.State, Fault: st.Fault, At: time.Now().UTC()})
	}
	c.snap = st
	c.mu.Unlock()
}

func (c *camera) stateLog() []StateChange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]StateChange(nil), c.changes...)
}

func (c *camera) status() status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap
}

// maxCatchUp is the most frames a late loop sends at once.
const maxCatchUp = 2 * FPS

// sendDue sends every frame due by now. A camera takes frames on its own
// clock, so RTP time keeps the wall clock's pace: a time.Ticker drops the
// ticks a loaded process misses, and a frame per tick would let the
// stream fall seconds behind the state log (a freeze that took effect at
// t would be dated by the stream before t). Frames a busy loop missed go
// late, in a burst, with their own timestamps, as a congested camera's
// do; past maxCatchUp the clip clock skips ahead (a gap in timestamps).
func (c *camera) sendDue(epoch, now time.Time) {
	due := int64(now.Sub(epoch) / frameInterval)
	if behind := due - int64(c.ticks); behind > maxCatchUp {
		c.ticks += uint32(behind - maxCatchUp)
	}
	for int64(c.ticks) < due {
		c.sendFrame(epoch.Add(time.Duration(c.ticks+1) * frameInterval))
	}
}

// sendFrame sends the frame due now. The clip clock runs on while the camera
// is offline or stalled, as a real camera's would; a frozen camera repeats
// one IDR. RTP timestamps advance one frame per tick in every case.
func (c *camera) sendFrame(now time.Time) {
	c.ticks++
	ts := c.ts0 + c.ticks*rtpPerFrame
	var f *frame
	if c.fault == FaultFreeze && c.frozen != nil {
		f = c.frozen
	} else {
		f = &c.clip.frames[c.pos]
		c.pos = (c.pos + 1) % len(c.clip.frames)
		if f.idr {
			c.lastIDR = f
		}
	}
	if c.live == nil || c.fault == FaultStall {
		return
	}
	for i, n := range f.nalus {
		// One NAL unit per Encode call: an IDR aggregated into a STAP-A is
		// not flagged as a keyframe by vdk's client.
		pkts, err := c.enc.Encode([][]byte{n})
		if err != nil {
			c.log.Warn("cannot packetize frame", "err", err)
			return
		}
		for j, p := range pkts {
			p.Timestamp = ts
			p.Marker = i == len(f.nalus)-1 && j == len(pkts)-1
			if err := c.live.stream.WritePacketRTPWithNTP(c.live.media, p, now); err != nil {
				c.log.Warn("cannot write packet", "err", err)
				return
			}
		}
	}
}

// setFault hands a fault to the camera's loop and waits until it is applied.
func (c *camera) setFault(f Fault) error {
	cmd := faultCmd{f: f, done: make(chan struct{})}
	select {
	case c.cmds <- cmd:
	case <-c.done:
		return ErrClosed
	}
	select {
	case <-cmd.done:
		return nil
	case <-c.done:
		return ErrClosed
	}
}

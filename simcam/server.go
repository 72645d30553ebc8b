package simcam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/camwatch/camwatch/configs"
)

// ErrClosed is returned by Fault after Close, so a late test step fails
// loudly instead of blocking.
var ErrClosed = errors.New("simcam: server closed")

// Options configure a set of simulated cameras.
type Options struct {
	// Listen is the first camera's RTSP address; camera i listens on its
	// port plus i unless Camera.Port is set. Port 0 gives every camera a
	// free port.
	Listen string
	// Control is the HTTP fault-injection address; "" means none.
	Control string
	// Username and Password turn on RTSP authentication for every camera;
	// empty means none.
	Username string
	Password string
	// AuthMethod is "digest" (default) or "basic".
	AuthMethod string
	Cameras    []Camera
	// Logger receives the cameras' logs; nil discards them.
	Logger *slog.Logger
}

// Camera is one simulated camera.
type Camera struct {
	// ID is the camera's RTSP path: rtsp://HOST:PORT/<ID>.
	ID string
	// Port overrides the port derived from Options.Listen.
	Port int
	// Clip is a built-in clip name (see Clips) or the path of a raw
	// Annex-B H.264 file.
	Clip string
	// OfflineEvery, with OfflineFor, makes the camera flap: in every cycle
	// of OfflineEvery it is unreachable for the last OfflineFor.
	OfflineEvery, OfflineFor time.Duration
}

// OptionsFromConfig turns the simcam config file into Options; the password
// is revealed here, at the point of use.
func OptionsFromConfig(c *configs.Simcam) Options {
	o := Options{
		Listen:     c.Listen,
		Control:    c.Control,
		Username:   c.Username,
		Password:   c.Password.Reveal(),
		AuthMethod: c.AuthMethod,
	}
	for _, cam := range c.Cameras {
		o.Cameras = append(o.Cameras, Camera{
			ID:           cam.ID,
			Port:         cam.Port,
			Clip:         cam.Clip,
			OfflineEvery: cam.OfflineEvery,
			OfflineFor:   cam.OfflineFor,
		})
	}
	return o
}

// Server runs the simulated cameras and their control endpoint.
type Server struct {
	log     *slog.Logger
	urlHost string
	cams    []*camera
	byID    map[string]*camera
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ctl     *http.Server
	ctlLn   net.Listener
	once    sync.Once
}

// Start brings up every camera's listener (and the control endpoint) before
// it returns, so callers can connect at once. The cameras stop when ctx is
// done or Close is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	host, portStr, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("simcam: listen %q: %w", opts.Listen, err)
	}
	first, err := strconv.Atoi(portStr)
	if err != nil || first < 0 || first > 65535 {
		return nil, fmt.Errorf("simcam: listen %q: bad port", opts.Listen)
	}
	s := &Server{
		log:     opts.Logger,
		urlHost: urlHost(host),
		byID:    map[string]*camera{},
	}
	for i, cc := range opts.Cameras {
		clip, err := loadClip(cc.Clip)
		if err != nil {
			s.closeCameras()
			return nil, fmt.Errorf("simcam: camera %s: %w", cc.ID, err)
		}
		port := cc.Port
		if port == 0 && first != 0 {
			port = first + i
		}
		cam, err := newCamera(cc.ID, clip, host, port, &opts, cc.OfflineEvery, cc.OfflineFor)
		if err != nil {
			s.closeCameras()
			return nil, fmt.Errorf("simcam: %w", err)
		}
		s.cams = append(s.cams, cam)
		s.byID[cc.ID] = cam
	}
	if opts.Control != "" {
		ln, err := net.Listen("tcp", opts.Control)
		if err != nil {
			s.closeCameras()
			return nil, fmt.Errorf("simcam: control: %w", err)
		}
		s.ctlLn = ln
		s.ctl = &http.Server{Handler: s.controlHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := s.ctl.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("control endpoint stopped", "err", err)
			}
		}()
	}
	ctx, s.cancel = context.WithCancel(ctx)
	for _, cam := range s.cams {
		s.wg.Go(func() { cam.run(ctx) })
	}
	context.AfterFunc(ctx, func() { s.Close() })
	for _, cam := range s.cams {
		s.log.Info("simulated camera up", "camera", cam.id, "url", s.URL(cam.id), "clip", cam.clip.name)
	}
	return s, nil
}

// Run starts the cameras, blocks until ctx is done, then closes them.
func Run(ctx context.Context, opts Options) error {
	s, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

func (o *Options) validate() error {
	if len(o.Cameras) == 0 {
		return errors.New("simcam: no cameras")
	}
	switch o.AuthMethod {
	case "", "digest", "basic":
	default:
		return fmt.Errorf("simcam: auth method %q must be digest or basic", o.AuthMethod)
	}
	if (o.Username == "") != (o.Password == "") {
		return errors.New("simcam: username and password go together")
	}
	if o.AuthMethod == "basic" && strings.Contains(o.Password, ":") {
		// gortsplib v5.6.4 splits the Basic credentials on every ':' and so
		// rejects such a password even when the client sends it correctly.
		return errors.New("simcam: a basic-auth password cannot contain ':'")
	}
	seen := map[string]bool{}
	for _, c := range o.Cameras {
		if c.ID == "" || seen[c.ID] {
			return fmt.Errorf("simcam: camera id %q is empty or used twice", c.ID)
		}
		seen[c.ID] = true
		if c.OfflineEvery < 0 || c.OfflineFor < 0 || (c.OfflineEvery > 0) != (c.OfflineFor > 0) || (c.OfflineEvery > 0 && c.OfflineFor >= c.OfflineEvery) {
			return fmt.Errorf("simcam: camera %s: offline_for must be positive and shorter than offline_every", c.ID)
		}
	}
	return nil
}

// urlHost is the host clients should dial: a wildcard listen address is
// reached through loopback.
func urlHost(host string) string {
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return "127.0.0.1"
	}
	return host
}

// URL is the camera's RTSP URL, without credentials; "" for an unknown id.
func (s *Server) URL(id string) string {
	cam, ok := s.byID[id]
	if !ok {
		return ""
	}
	return "rtsp://" + net.JoinHostPort(s.urlHost, strconv.Itoa(cam.port)) + "/" + id
}

// ControlURL is the base URL of the control endpoint; "" when there is none.
func (s *Server) ControlURL() string {
	if s.ctlLn == nil {
		return ""
	}
	_, port, _ := net.SplitHostPort(s.ctlLn.Addr().String())
	host, _, _ := net.SplitHostPort(s.ctlLn.Addr().String())
	return "http://" + net.JoinHostPort(urlHost(host), port)
}

// Fault makes camera id misbehave; it returns once the fault is in effect
// (for offline: once the listener is closed).
func (s *Server) Fault(id string, f Fault) error {
	cam, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("simcam: %q: %w", id, ErrUnknownCamera)
	}
	if err := f.validate(); err != nil {
		return fmt.Errorf("simcam: camera %s: %w", id, err)
	}
	return cam.setFault(f)
}

// StateLog is camera id's state changes since it started, oldest first
// (the last 4096), beginning with its first state.
func (s *Server) StateLog(id string) ([]StateChange, error) {
	cam, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("simcam: %q: %w", id, ErrUnknownCamera)
	}
	return cam.stateLog(), nil
}

// Close stops the control endpoint and every camera, closing their
// listeners and sessions. It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		if s.ctl != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err = s.ctl.Shutdown(ctx)
		}
		s.cancel()
		s.wg.Wait()
	})
	return err
}

// closeCameras undoes a partial Start.
func (s *Server) closeCameras() {
	for _, c := range s.cams {
		c.closeLive()
	}
}

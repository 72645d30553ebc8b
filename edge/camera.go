package edge

import (
	cliprec "github.com/camwatch/camwatch/clip"
	"net/url"
	"time"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/decode"
	"github.com/camwatch/camwatch/detect"
	"github.com/camwatch/camwatch/event"
)

// Camera is what a supervisor needs to know about one camera.
type Camera struct {
	ID string
	// URL is the camera's rtsp:// URL without a password; it is safe to
	// log. The password is added only when dialling.
	URL      string
	Username string
	Password configs.Secret
	Labels   event.Labels
	// Detect is the camera's motion and picture-fault detection; nil
	// turns it off.
	Detect *detect.Config
	// Clips records an MP4 of each motion interval (pre-roll, motion,
	// post-roll); nil records none. Dir, Camera and Labels are the agent's.
	Clips *cliprec.Options

	// openDecoder replaces the decoder in tests.
	openDecoder func(decode.Config) (detect.Decoder, error)
}

// credentialsFromURL moves a user name and password written into the URL
// into the Camera's fields, so that the URL itself never carries them
// further (into a log line, an event, a metric) and the password is known
// to the redactor.
func credentialsFromURL(c Camera) Camera {
	u, err := url.Parse(c.URL)
	if err != nil || u.User == nil {
		return c
	}
	if c.Username == "" {
		c.Username = u.User.Username()
	}
	if pw, ok := u.User.Password(); ok && c.Password.Empty() {
		c.Password = configs.NewSecret(pw)
	}
	u.User = nil
	c.URL = u.String()
	return c
}

// streamURL is the URL handed to the RTSP client. Never log it.
func (c *Camera) streamURL() string { return configs.CredentialURL(c.URL, c.Username, c.Password) }

// publicURL is the URL without any credentials.
func (c *Camera) publicURL() string { return configs.PublicURL(c.URL) }

// Timing groups a supervisor's clocks.
type Timing struct {
	// StatsInterval spaces the periodic stats events.
	StatsInterval time.Duration
	// StallTimeout declares an open session stalled when no frame arrived
	// for this long.
	StallTimeout time.Duration
	// DialTimeout bounds the TCP connect; the whole handshake gets
	// DialTimeout plus ReadTimeout.
	DialTimeout time.Duration
	// ReadTimeout is the RTSP client's per-read deadline. It must be set,
	// but stalls are caught by StallTimeout long before it fires.
	ReadTimeout time.Duration
	// Backoff are the reconnect delays, stepped; the last repeats. Each
	// wait is jittered by +-20%.
	Backoff []time.Duration
	// KeyframeWait is how long a new session may deliver packets without
	// a keyframe before it is given up as stalled.
	KeyframeWait time.Duration
	// Healthy is how long a session must stay online for the backoff to
	// start again from its first step.
	Healthy time.Duration
	// ProbeInterval spaces the cheap reachability probes (TCP connect and
	// RTSP OPTIONS) made while a camera is offline; the first answer after
	// the camera was unreachable redials it at once. It also bounds each
	// probe's wait for an answer.
	ProbeInterval time.Duration
}

func (t Timing) withDefaults() Timing {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.StatsInterval, 30*time.Second)
	def(&t.StallTimeout, 2*time.Second)
	def(&t.DialTimeout, 5*time.Second)
	def(&t.ReadTimeout, 5*time.Second)
	def(&t.KeyframeWait, 12*time.Second)
	def(&t.Healthy, 10*time.Second)
	def(&t.ProbeInterval, time.Second)
	if len(t.Backoff) == 0 {
		t.Backoff = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}
	}
	return t
}

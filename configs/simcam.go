package configs

import (
	"strings"
	"time"
)

// Simcam is the simulated-camera server's file (see simcam.yaml).
type Simcam struct {
	// Listen is the RTSP address of the first camera, e.g. 0.0.0.0:8554.
	// Like real IP cameras, each simulated camera is its own RTSP server:
	// camera i listens on the next port after camera i-1 unless it sets
	// Port, so that "offline" can really refuse connections. Port 0 gives
	// every camera a free port.
	Listen string `yaml:"listen"`
	// Control is the HTTP address of the fault-injection endpoint.
	Control string `yaml:"control"`
	// Username, with PasswordEnv, turns on RTSP authentication.
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`
	Password    Secret `yaml:"password"`
	// AuthMethod is "digest" (default) or "basic".
	AuthMethod string      `yaml:"auth_method"`
	Cameras    []SimCamera `yaml:"cameras"`
}

// SimCamera is one simulated camera.
type SimCamera struct {
	ID string `yaml:"id"`
	// Port overrides the port this camera listens on.
	Port int `yaml:"port"`
	// Clip names a built-in clip (see `camwatch simcam -clips`) or a path
	// to a raw H.264 file.
	Clip string `yaml:"clip"`
	// OfflineEvery, with OfflineFor, takes the camera offline on a cycle.
	OfflineEvery time.Duration `yaml:"offline_every"`
	OfflineFor   time.Duration `yaml:"offline_for"`
}

// Validate implements Validator.
func (c *Simcam) Validate() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8554"
	}
	switch c.AuthMethod {
	case "":
		c.AuthMethod = "digest"
	case "digest", "basic":
	default:
		return fieldErr("auth_method", "%q must be digest or basic", c.AuthMethod)
	}
	pw, err := secretFrom("password", c.Password, c.PasswordEnv)
	if err != nil {
		return err
	}
	c.Password = pw
	if (c.Username == "") != c.Password.Empty() {
		return fieldErr("username", "username and password go together")
	}
	if c.AuthMethod == "basic" && strings.Contains(c.Password.Reveal(), ":") {
		// gortsplib splits basic credentials on every ':' and would refuse
		// the right password; say so here rather than at start-up.
		return fieldErr("password", "must not contain ':' with auth_method basic")
	}
	ids := make([]string, len(c.Cameras))
	for i, cam := range c.Cameras {
		ids[i] = cam.ID
	}
	if err := checkCameraIDs(ids); err != nil {
		return err
	}
	for i := range c.Cameras {
		cam := &c.Cameras[i]
		f := idx("cameras", i)
		if cam.Port < 0 || cam.Port > 65535 {
			return fieldErr(f+".port", "%d is not a port", cam.Port)
		}
		if cam.Clip == "" {
			return fieldErr(f+".clip", "is required")
		}
		if cam.OfflineEvery < 0 || cam.OfflineFor < 0 {
			return fieldErr(f+".offline_every", "durations must be positive")
		}
		if (cam.OfflineEvery == 0) != (cam.OfflineFor == 0) {
			return fieldErr(f+".offline_for", "offline_every and offline_for go together")
		}
		if cam.OfflineEvery > 0 && cam.OfflineFor >= cam.OfflineEvery {
			return fieldErr(f+".offline_for", "must be shorter than offline_every")
		}
	}
	return nil
}

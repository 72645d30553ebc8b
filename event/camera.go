package event

import (
	"errors"
	"fmt"
	"strings"
)

// CameraRef is a camera's identity: camera ids are unique per site only,
// so two sites may both have a cam-01. Every store key, API path, alert
// key, report row and console link names a camera by its CameraRef;
// nothing joins site and camera by hand.
//
// Its text form (and JSON, a string) is "<site>/<camera>": both are event
// tokens, which hold no '/', so the text parses back unambiguously.
type CameraRef struct {
	Site   string
	Camera string
}

// ErrCameraRef is wrapped by every refusal of ParseCameraRef.
var ErrCameraRef = errors.New("invalid camera reference")

// Ref is the identity of the camera an event is about (zero Camera for a
// heartbeat).
func (e *Event) Ref() CameraRef { return CameraRef{Site: e.Site, Camera: e.Camera} }

// String is the text form "<site>/<camera>".
func (r CameraRef) String() string { return r.Site + "/" + r.Camera }

// Valid reports whether both parts are event tokens.
func (r CameraRef) Valid() bool { return ValidToken(r.Site) && ValidToken(r.Camera) }

// IsZero reports whether r names nothing.
func (r CameraRef) IsZero() bool { return r.Site == "" && r.Camera == "" }

// Compare orders references by site, then camera, for sorted listings.
func (r CameraRef) Compare(o CameraRef) int {
	if c := strings.Compare(r.Site, o.Site); c != 0 {
		return c
	}
	return strings.Compare(r.Camera, o.Camera)
}

// ParseCameraRef reads "<site>/<camera>", refusing anything else (a bare
// camera id, more parts, characters outside the token alphabet) with an
// error that says which part is wrong.
func ParseCameraRef(s string) (CameraRef, error) {
	site, camera, ok := strings.Cut(s, "/")
	if !ok {
		return CameraRef{}, fmt.Errorf("%w %q: want <site>/<camera>", ErrCameraRef, s)
	}
	r := CameraRef{Site: site, Camera: camera}
	switch {
	case !ValidToken(site):
		return CameraRef{}, fmt.Errorf("%w %q: site %q is not 1 to 64 letters, digits, '-' or '_'", ErrCameraRef, s, site)
	case !ValidToken(camera):
		return CameraRef{}, fmt.Errorf("%w %q: camera %q is not 1 to 64 letters, digits, '-' or '_'", ErrCameraRef, s, camera)
	}
	return r, nil
}

// MarshalText writes the text form, so a CameraRef is a JSON string and
// a map key. It never fails (one damaged reference must not fail a whole
// answer); what is not a valid reference does not parse back.
func (r CameraRef) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads the text form through ParseCameraRef.
func (r *CameraRef) UnmarshalText(b []byte) error {
	v, err := ParseCameraRef(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

package auth

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scope is the part of the camera network an actor sees and touches: all
// of it, or the cameras of some programs, some wards and some single
// cameras (a union). A user without scope sees nothing; an admin always
// sees everything.
type Scope struct {
	All      bool     `json:"all,omitempty"`
	Programs []string `json:"programs,omitempty"`
	Wards    []string `json:"wards,omitempty"`
	Cameras  []string `json:"cameras,omitempty"`
}

// Object is what a request touches, as the policy sees it: a camera by id
// and labels, an alert of it, or what a silence or a maintenance window
// names. Empty fields are unknown (they widen nothing): an object naming
// no camera, program or ward is in the scope of All only.
type Object struct {
	// Site and Camera name a camera (ids are unique per site only); a
	// scope's camera entry "<site>/<camera>" covers that camera, a bare
	// id the camera of that id at every site.
	Site    string
	Camera  string
	Program string
	Ward    string
}

// Covers reports whether o is inside the scope.
func (s Scope) Covers(o Object) bool {
	switch {
	case s.All:
		return true
	case o.Camera != "" && (slices.Contains(s.Cameras, o.Camera) || o.Site != "" && slices.Contains(s.Cameras, o.Site+"/"+o.Camera)):
		return true
	case o.Program != "" && slices.Contains(s.Programs, o.Program):
		return true
	case o.Ward != "" && slices.Contains(s.Wards, o.Ward):
		return true
	}
	return false
}

// Empty reports whether the scope covers nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.Programs) == 0 && len(s.Wards) == 0 && len(s.Cameras) == 0
}

// String writes the scope as ParseScope reads it.
func (s Scope) String() string {
	if s.All {
		return "all"
	}
	var parts []string
	for _, p := range []struct {
		k  string
		vs []string
	}{{"program", s.Programs}, {"ward", s.Wards}, {"camera", s.Cameras}} {
		if len(p.vs) > 0 {
			parts = append(parts, p.k+"="+strings.Join(p.vs, ","))
		}
	}
	return strings.Join(parts, ";")
}

// maxScopeItems bounds a scope's lists.
const maxScopeItems = 256

// ParseScope reads "all" or "program=a,b;ward=c;camera=x,y" (keys may
// repeat; empty is no scope). Values are label values: free
// text without ',', ';', '=' or control characters, at most 128 bytes.
func ParseScope(raw string) (Scope, error) {
	var s Scope
	raw = strings.TrimSpace(raw)
	if raw == "all" || raw == "*" {
		return Scope{All: true}, nil
	}
	if raw == "" {
		return s, nil
	}
	n := 0
	for part := range strings.SplitSeq(raw, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Scope{}, fmt.Errorf("%w: scope: %q is not key=values (program, ward, camera) or all", ErrInput, part)
		}
		var dst *[]string
		switch strings.TrimSpace(k) {
		case "program", "programs":
			dst = &s.Programs
		case "ward", "wards":
			dst = &s.Wards
		case "camera", "cameras":
			dst = &s.Cameras
		default:
			return Scope{}, fmt.Errorf("%w: scope: %q is not program, ward or camera", ErrInput, k)
		}
		for x := range strings.SplitSeq(v, ",") {
			x = strings.TrimSpace(x)
			if !validLabel(x) {
				return Scope{}, fmt.Errorf("%w: scope: %s %q must be 1 to 128 bytes without ',', ';', '=' or control characters", ErrInput, k, x)
			}
			if n++; n > maxScopeItems {
				return Scope{}, fmt.Errorf("%w: scope: more than %d entries", ErrInput, maxScopeItems)
			}
			if !slices.Contains(*dst, x) {
				*dst = append(*dst, x)
			}
		}
	}
	return s, nil
}

// Validate checks a scope decoded from storage or JSON.
func (s Scope) Validate() error {
	_, err := ParseScope(s.String())
	return err
}

// validLabel accepts what a program, ward or camera label can be (free
// text in the events), less the scope syntax's separators and controls.
func validLabel(s string) bool {
	if len(s) < 1 || len(s) > 128 || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == ',' || r == ';' || r == '=' {
			return false
		}
	}
	return true
}

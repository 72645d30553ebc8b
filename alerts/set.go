package alerts

import (
	"fmt"
	"sync/atomic"
)

// Set holds the rules in force and swaps them atomically on reload, so an
// evaluation never sees half of an old file and half of a new one, and a
// bad file never replaces good rules.
type Set struct {
	cur atomic.Pointer[Rules]
}

// NewSet starts with r in force; nil means no rules.
func NewSet(r *Rules) *Set {
	s := &Set{}
	if r == nil {
		r = &Rules{}
		_ = r.Validate() // fills the default zone; cannot fail without rules
	}
	s.cur.Store(r)
	return s
}

// Rules returns the rules in force; the result must not be modified.
func (s *Set) Rules() *Rules { return s.cur.Load() }

// Load reads the file at path and, only if it is valid, puts it in force.
// On error the old rules stay, and the error says why and how many rules
// are still in force.
func (s *Set) Load(path string) error {
	r, err := LoadFile(path)
	if err != nil {
		return fmt.Errorf("alert rules not reloaded, keeping the %d rules in force: %w", len(s.Rules().Rules), err)
	}
	s.cur.Store(r)
	return nil
}

// Replace puts rules in force that Parse or LoadFile returned (so they are
// validated), e.g. from an API upload.
func (s *Set) Replace(r *Rules) { s.cur.Store(r) }

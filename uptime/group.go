package uptime

import (
	"errors"
	"fmt"
	"strings"
)

// Group says how cameras are grouped in a report: the ward reviews programs,
// a technician looks at an agent, a buyer compares vendors and models.
type Group string

// The groupings a report understands.
const (
	GroupAll     Group = "all"
	GroupCamera  Group = "camera"
	GroupProgram Group = "program"
	GroupWard    Group = "ward"
	GroupVendor  Group = "vendor"
	GroupModel   Group = "model"
	GroupAgent   Group = "agent"
)

// Groups lists every grouping, for help texts and validation.
var Groups = []Group{GroupAll, GroupCamera, GroupProgram, GroupWard, GroupVendor, GroupModel, GroupAgent}

// Unlabelled is the group key of cameras that lack the grouping's label, so
// they still show up (and stand out) instead of vanishing from the report.
const Unlabelled = "(none)"

// ErrGroup is returned for a grouping this build does not know.
var ErrGroup = errors.New("unknown grouping")

// ParseGroup reads a grouping name as given on a command line or URL.
func ParseGroup(s string) (Group, error) {
	g := Group(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range Groups {
		if g == x {
			return g, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want one of %v)", ErrGroup, s, Groups)
}

// Key returns the group camera c belongs to.
func (g Group) Key(c *Camera) string {
	var k string
	switch g {
	case GroupAll:
		return string(GroupAll)
	case GroupCamera:
		k = c.Ref().String()
	case GroupProgram:
		k = c.Labels.Program
	case GroupWard:
		k = c.Labels.Ward
	case GroupVendor:
		k = c.Labels.Vendor
	case GroupModel:
		k = c.Labels.Model
	case GroupAgent:
		k = c.Agent
	}
	if k == "" {
		return Unlabelled
	}
	return k
}

package alerts

import (
	"fmt"
	"slices"

	"github.com/camwatch/camwatch/event"
)

// Match limits a rule to cameras by their labels. Each non-empty list is an
// include list; a camera must satisfy all of them. Labels come with every
// event, so a relabelled camera follows its new rules without a restart.
// A Cameras entry is a camera id (that id at every site) or a reference
// "<site>/<camera>" (that one camera: ids are unique per site only).
type Match struct {
	Sites    []string `yaml:"sites" json:"sites,omitempty"`
	Cameras  []string `yaml:"cameras" json:"cameras,omitempty"`
	Programs []string `yaml:"programs" json:"programs,omitempty"`
	Wards    []string `yaml:"wards" json:"wards,omitempty"`
	Vendors  []string `yaml:"vendors" json:"vendors,omitempty"`
}

func (m *Match) validate(f string) error {
	for _, l := range []struct {
		name string
		vals []string
	}{
		{"sites", m.Sites}, {"cameras", m.Cameras}, {"programs", m.Programs},
		{"wards", m.Wards}, {"vendors", m.Vendors},
	} {
		for i, v := range l.vals {
			if v == "" {
				return fieldErr(fmt.Sprintf("%s.%s[%d]", f, l.name, i), "must not be empty")
			}
		}
	}
	return nil
}

// Matches reports whether a camera with these labels is covered.
func (m *Match) Matches(site, camera string, l event.Labels) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	cam := len(m.Cameras) == 0 || slices.Contains(m.Cameras, camera) ||
		slices.Contains(m.Cameras, event.CameraRef{Site: site, Camera: camera}.String())
	return in(m.Sites, site) && cam && in(m.Programs, l.Program) &&
		in(m.Wards, l.Ward) && in(m.Vendors, l.Vendor)
}

package programs

import (
	"slices"
	"strings"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
)

// Lang is a language the names and texts are written in.
type Lang string

// The console's languages; Vietnamese is the default.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

// Langs lists the languages in order.
var Langs = []Lang{VI, EN}

// ParseLang reads a language tag ("en", "en-GB", "vi-VN"); anything that
// is not English is Vietnamese, the site's language.
func ParseLang(s string) Lang {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "en") {
		return EN
	}
	return VI
}

// Names is a display name in both languages.
type Names = configs.Names

// In returns n in lang.
func In(n Names, lang Lang) string {
	if lang == EN && n.EN != "" {
		return n.EN
	}
	if n.VI != "" {
		return n.VI
	}
	return n.EN
}

// Program is one program as the directory knows it.
type Program struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Ward string `json:"ward"`
	Name Names  `json:"name"`
	// Cameras are the ids the config names, sorted.
	Cameras []string `json:"cameras,omitempty"`
}

// Ward is one ward as the directory knows it.
type Ward struct {
	ID   string `json:"id"`
	Name Names  `json:"name"`
}

// Directory is the validated wards and programs sections of the
// aggregator's config, read-only once made; the zero value (and nil) knows
// no names and answers ids.
type Directory struct {
	wards    map[string]Ward
	programs map[string]Program
	cameras  map[string]Names
	camProg  map[string]string
	order    []string // program ids in config order
	wardIDs  []string
}

// New builds the directory from a validated config's sections.
func New(wards []configs.Ward, progs []configs.Program) *Directory {
	d := &Directory{wards: map[string]Ward{}, programs: map[string]Program{}, cameras: map[string]Names{}, camProg: map[string]string{}}
	for _, w := range wards {
		d.wards[w.ID] = Ward{ID: w.ID, Name: w.Name}
		d.wardIDs = append(d.wardIDs, w.ID)
	}
	for _, p := range progs {
		prog := Program{ID: p.ID, Kind: p.Kind, Ward: p.Ward, Name: p.Name}
		for id, n := range p.Cameras {
			d.cameras[id] = n
			d.camProg[id] = p.ID
			prog.Cameras = append(prog.Cameras, id)
		}
		slices.Sort(prog.Cameras)
		d.programs[p.ID] = prog
		d.order = append(d.order, p.ID)
	}
	return d
}

// FromConfig builds the directory of an aggregator config.
func FromConfig(c *configs.Aggregator) *Directory { return New(c.Wards, c.Programs) }

// Program returns the program with id.
func (d *Directory) Program(id string) (Program, bool) {
	if d == nil {
		return Program{}, false
	}
	p, ok := d.programs[id]
	return p, ok
}

// Ward returns the ward with id.
func (d *Directory) Ward(id string) (Ward, bool) {
	if d == nil {
		return Ward{}, false
	}
	w, ok := d.wards[id]
	return w, ok
}

// Programs lists the configured programs in config order.
func (d *Directory) Programs() []Program {
	if d == nil {
		return nil
	}
	out := make([]Program, 0, len(d.order))
	for _, id := range d.order {
		out = append(out, d.programs[id])
	}
	return out
}

// Wards lists the configured wards in config order.
func (d *Directory) Wards() []Ward {
	if d == nil {
		return nil
	}
	out := make([]Ward, 0, len(d.wardIDs))
	for _, id := range d.wardIDs {
		out = append(out, d.wards[id])
	}
	return out
}

// ProgramName is program id's name in lang, or id when it has none.
func (d *Directory) ProgramName(id string, lang Lang) string {
	if p, ok := d.Program(id); ok {
		return In(p.Name, lang)
	}
	return id
}

// WardName is ward id's name in lang, or id when it has none.
func (d *Directory) WardName(id string, lang Lang) string {
	if w, ok := d.Ward(id); ok {
		return In(w.Name, lang)
	}
	return id
}

// CameraNames returns the configured names of camera c: those given
// for "<site>/<camera>", else those for its id (at every site).
func (d *Directory) CameraNames(c event.CameraRef) (Names, bool) {
	if d == nil {
		return Names{}, false
	}
	if n, ok := d.cameras[c.String()]; ok {
		return n, true
	}
	n, ok := d.cameras[c.Camera]
	return n, ok
}

// CameraName is camera c's name in lang; without a configured one it is
// the camera's location label when it has one, else the id.
func (d *Directory) CameraName(c event.CameraRef, location string, lang Lang) string {
	if n, ok := d.CameraNames(c); ok {
		return In(n, lang)
	}
	if location != "" {
		return location
	}
	return c.Camera
}

// KindName is the name of a community-model kind in lang.
func KindName(kind string, lang Lang) string {
	if n, ok := kindNames[kind]; ok {
		return In(n, lang)
	}
	return kind
}

// kindNames are the names of configs.ProgramKinds (docs/config.md).
var kindNames = map[string]Names{
	"street_cameras": {VI: "Camera an ninh trật tự của phường", EN: "Ward street-camera program"},
	"boarding_house": {VI: "Nhà trọ tự quản", EN: "Self-managed boarding house"},
	"motorbike_taxi": {VI: "Xe ôm tự quản", EN: "Self-managed motorbike-taxi group"},
	"civil_defence":  {VI: "Dân phòng tự quản", EN: "Self-managed civil defence"},
	"street_workers": {VI: "Tổ người lao động đường phố", EN: "Street workers' group"},
	"five_plus_one":  {VI: "Mô hình \"5+1\"", EN: "\"5+1\" group"},
	"other":          {VI: "Mô hình khác", EN: "Other model"},
}

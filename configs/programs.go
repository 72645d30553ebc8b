package configs

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/camwatch/camwatch/event"
)

// ProgramKinds are the community models a program can be, as the ward's
// review groups them (docs/config.md lists their vi and en names).
var ProgramKinds = []string{
	"street_cameras", // ward street-camera program ("camera giám sát an ninh trật tự")
	"boarding_house", // self-managed boarding house ("nhà trọ tự quản")
	"motorbike_taxi", // self-managed motorbike-taxi group ("xe ôm tự quản")
	"civil_defence",  // self-managed civil defence ("dân phòng tự quản")
	"street_workers", // street workers' group ("tổ lao động đường phố")
	"five_plus_one",  // a "5+1" neighbourhood group ("mô hình 5+1")
	"other",
}

// maxNameLen bounds a display name (in characters): a name is a title on
// a page and a line in a chat message, not a paragraph.
const maxNameLen = 120

// Names is a display name in the console's two languages. Both are
// required: a page in English with a Vietnamese title (or the reverse)
// is what the names are for avoiding.
type Names struct {
	VI string `yaml:"vi" json:"vi"`
	EN string `yaml:"en" json:"en"`
}

// Ward is a ward (phường) that programs belong to.
type Ward struct {
	ID   string `yaml:"id"`
	Name Names  `yaml:"name"`
}

// Program is a community camera program: the display names and kind of
// the program whose id the cameras carry in labels.program. Ids stay the
// stable keys of events, alerts and reports; names are only shown.
type Program struct {
	ID   string `yaml:"id"`
	Kind string `yaml:"kind"`
	// Ward is the id of the ward (in wards) that reviews the program.
	Ward string `yaml:"ward"`
	Name Names  `yaml:"name"`
	// Cameras gives the program's cameras display names by camera id
	// (e.g. the street corner), in place of the id. A key is a camera id
	// (that id at every site) or "<site>/<camera>" (one camera, for ids
	// that two sites use).
	Cameras map[string]Names `yaml:"cameras"`
}

func (n *Names) validate(field string) error {
	for _, l := range []struct {
		lang string
		s    *string
	}{{"vi", &n.VI}, {"en", &n.EN}} {
		*l.s = strings.TrimSpace(*l.s)
		f := field + "." + l.lang
		switch {
		case *l.s == "":
			return fieldErr(f, "is required (a display name in both vi and en)")
		case !utf8.ValidString(*l.s):
			return fieldErr(f, "is not valid UTF-8")
		case utf8.RuneCountInString(*l.s) > maxNameLen:
			return fieldErr(f, "is longer than %d characters", maxNameLen)
		case strings.IndexFunc(*l.s, unicode.IsControl) >= 0:
			return fieldErr(f, "must not contain control characters or line breaks")
		}
	}
	return nil
}

// validatePrograms checks the wards and programs sections: valid unique
// ids, known kinds, existing wards, names in both languages, and each
// camera named by one program only.
func validatePrograms(wards []Ward, programs []Program) error {
	wardAt := map[string]int{}
	for i := range wards {
		w := &wards[i]
		f := idx("wards", i)
		if !event.ValidToken(w.ID) {
			return fieldErr(f+".id", "%q must be 1 to 64 letters, digits, '-' or '_'", w.ID)
		}
		if j, dup := wardAt[w.ID]; dup {
			return fieldErr(f+".id", "%q is already wards[%d]", w.ID, j)
		}
		wardAt[w.ID] = i
		if err := w.Name.validate(f + ".name"); err != nil {
			return err
		}
	}
	progAt := map[string]int{}
	camAt := map[string]string{}
	for i := range programs {
		p := &programs[i]
		f := idx("programs", i)
		if !event.ValidToken(p.ID) {
			return fieldErr(f+".id", "%q must be 1 to 64 letters, digits, '-' or '_'", p.ID)
		}
		if j, dup := progAt[p.ID]; dup {
			return fieldErr(f+".id", "%q is already programs[%d]", p.ID, j)
		}
		progAt[p.ID] = i
		if !slices.Contains(ProgramKinds, p.Kind) {
			return fieldErr(f+".kind", "%q is not one of %s", p.Kind, strings.Join(ProgramKinds, ", "))
		}
		if p.Ward == "" {
			return fieldErr(f+".ward", "is required (the id of a ward in wards)")
		}
		if _, ok := wardAt[p.Ward]; !ok {
			return fieldErr(f+".ward", "%q is not in wards", p.Ward)
		}
		if err := p.Name.validate(f + ".name"); err != nil {
			return err
		}
		ids := make([]string, 0, len(p.Cameras))
		for id := range p.Cameras {
			ids = append(ids, id)
		}
		slices.Sort(ids) // errors name the same camera on every run
		for _, id := range ids {
			cf := fmt.Sprintf("%s.cameras.%s", f, id)
			if _, err := event.ParseCameraRef(id); err != nil && !event.ValidToken(id) {
				return fieldErr(cf, "camera %q must be a camera id or <site>/<camera>, each 1 to 64 letters, digits, '-' or '_'", id)
			}
			if other, dup := camAt[id]; dup {
				return fieldErr(cf, "camera %q is already named by program %q", id, other)
			}
			camAt[id] = p.ID
			n := p.Cameras[id]
			if err := n.validate(cf); err != nil {
				return err
			}
			p.Cameras[id] = n
		}
	}
	return nil
}

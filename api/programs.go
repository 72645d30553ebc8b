package api

import (
	"net/http"

	"github.com/camwatch/camwatch/auth"
	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
	"github.com/camwatch/camwatch/programs"
)

// programsAnswer is GET /api/v1/programs: the display names (vi, en) the
// console shows instead of ids, for what the caller may see.
type programsAnswer struct {
	Wards    []programs.Ward    `json:"wards"`
	Programs []programs.Program `json:"programs"`
	// Cameras are the configured camera names by camera id, or by
	// "<site>/<camera>" where the config names one site's camera.
	Cameras map[string]programs.Names `json:"cameras"`
	// Kinds names every community-model kind.
	Kinds map[string]programs.Names `json:"kinds"`
}

func (s *server) listPrograms(w http.ResponseWriter, r *http.Request) {
	d := s.o.Programs
	out := programsAnswer{Wards: []programs.Ward{}, Programs: []programs.Program{},
		Cameras: map[string]programs.Names{}, Kinds: map[string]programs.Names{}}
	for _, k := range configs.ProgramKinds {
		out.Kinds[k] = programs.Names{VI: programs.KindName(k, programs.VI), EN: programs.KindName(k, programs.EN)}
	}
	wards := map[string]bool{}
	for _, p := range d.Programs() {
		var cams []string
		for _, c := range p.Cameras {
			ref, err := event.ParseCameraRef(c)
			if err != nil {
				ref = event.CameraRef{Camera: c} // an id, at every site
			}
			if s.sees(r, auth.Object{Site: ref.Site, Camera: ref.Camera, Program: p.ID, Ward: p.Ward}) {
				cams = append(cams, c)
				out.Cameras[c], _ = d.CameraNames(ref)
			}
		}
		if !s.sees(r, auth.Object{Program: p.ID, Ward: p.Ward}) && len(cams) == 0 {
			continue
		}
		p.Cameras = cams
		out.Programs = append(out.Programs, p)
		wards[p.Ward] = true
	}
	for _, wd := range d.Wards() {
		if wards[wd.ID] || s.sees(r, auth.Object{Ward: wd.ID}) {
			out.Wards = append(out.Wards, wd)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

package programs

import (
	"testing"

	"github.com/camwatch/camwatch/configs"
	"github.com/camwatch/camwatch/event"
)

func TestEveryKindHasNames(t *testing.T) {
	for _, k := range configs.ProgramKinds {
		for _, l := range Langs {
			if KindName(k, l) == k {
				t.Errorf("kind %s has no %s name", k, l)
			}
		}
	}
}

func TestDirectory(t *testing.T) {
	d := New([]configs.Ward{{ID: "bn", Name: configs.Names{VI: "Phường Bến Nghé", EN: "Ben Nghe Ward"}}},
		[]configs.Program{{ID: "p1", Kind: "five_plus_one", Ward: "bn", Name: configs.Names{VI: "Tổ 7", EN: "Group 7"},
			Cameras: map[string]configs.Names{"c2": {VI: "Hẻm", EN: "Alley"}, "c1": {VI: "Cổng", EN: "Gate"}}},
			{ID: "p3", Kind: "five_plus_one", Ward: "bn", Name: configs.Names{VI: "Tổ 3", EN: "Group 3"},
				Cameras: map[string]configs.Names{"q3/c1": {VI: "Cổng q3", EN: "Gate of q3"}}}})
	for _, tc := range []struct{ name, got, want string }{
		{"program vi", d.ProgramName("p1", VI), "Tổ 7"},
		{"program en", d.ProgramName("p1", EN), "Group 7"},
		{"unknown program is its id", d.ProgramName("p9", EN), "p9"},
		{"ward", d.WardName("bn", EN), "Ben Nghe Ward"},
		{"camera", d.CameraName(event.CameraRef{Site: "q1", Camera: "c1"}, "loc", VI), "Cổng"},
		{"camera named at its site", d.CameraName(event.CameraRef{Site: "q3", Camera: "c1"}, "loc", EN), "Gate of q3"},
		{"camera without name: location", d.CameraName(event.CameraRef{Site: "q1", Camera: "c9"}, "Lê Lợi", EN), "Lê Lợi"},
		{"camera without anything: id", d.CameraName(event.CameraRef{Site: "q1", Camera: "c9"}, "", EN), "c9"},
		{"nil directory", (*Directory)(nil).ProgramName("p1", VI), "p1"},
		{"lang tag", string(ParseLang("en-GB")), "en"},
		{"default lang", string(ParseLang("fr")), "vi"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if p, _ := d.Program("p1"); len(p.Cameras) != 2 || p.Cameras[0] != "c1" {
		t.Errorf("program cameras %v, want sorted [c1 c2]", p.Cameras)
	}
}
